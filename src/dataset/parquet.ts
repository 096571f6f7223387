import { parquetWriteBuffer } from 'hyparquet-writer';
import type { toSweBenchRecord } from './records.js';

export type SweBenchRecord = ReturnType<typeof toSweBenchRecord>;
type WriteOptions = Parameters<typeof parquetWriteBuffer>[0];
type SchemaElement = NonNullable<WriteOptions['schema']>[number];

/** The column types a Parquet export uses; each maps to one Parquet schema and one Hugging Face feature. */
export type ColumnKind = 'string' | 'nullable-string' | 'float64' | 'int64' | 'string-list' | 'int64-list';

export interface ColumnDefinition {
  name: string;
  kind: ColumnKind;
  description: string;
  /** The value written for a record; defaults to the record's field of the same name. */
  read?: (record: SweBenchRecord) => unknown;
}

/**
 * Every column of the SWE-bench-form Parquet export, with a fixed type: the same in every export, so the tables of
 * different runs concatenate (a run whose tasks all cost 0 still writes float64 costs; an absent value is a null of the
 * column's type, never a null-typed column).
 */
export function sweBenchColumns(options: { listsAsJsonStrings: boolean }): ColumnDefinition[] {
  const testList: ColumnKind = options.listsAsJsonStrings ? 'string' : 'string-list';
  const listForm = options.listsAsJsonStrings ? 'a JSON-encoded list of test ids' : 'test ids';
  return [
    { name: 'instance_id', kind: 'string', description: '`<gym>__<owner>__<repo>-<pr number>`, unique in the dataset' },
    { name: 'repo', kind: 'string', description: 'the gym repository, `owner/name` (`swe-mirror/<gym>` for a local gym)' },
    { name: 'base_commit', kind: 'string', description: 'the buggy commit (gym commit + mirror_patch), held in `bundles/<gym>.bundle`' },
    { name: 'patch', kind: 'string', description: 'the reference fix, a unified diff against base_commit' },
    { name: 'test_patch', kind: 'string', description: 'the hidden tests, a unified diff applied before grading' },
    { name: 'problem_statement', kind: 'string', description: 'the issue text a solver sees' },
    { name: 'hints_text', kind: 'string', description: 'always empty (kept for SWE-bench compatibility)' },
    { name: 'created_at', kind: 'string', description: 'ISO 8601 time the task was accepted' },
    { name: 'version', kind: 'string', description: 'the task format version' },
    { name: 'environment_setup_commit', kind: 'string', description: 'the clean gym commit the environment is installed from' },
    { name: 'FAIL_TO_PASS', kind: testList, description: `${listForm} that fail before the fix and pass after it` },
    { name: 'PASS_TO_PASS', kind: testList, description: `${listForm} that pass both before and after the fix` },
    { name: 'mirror_patch', kind: 'string', description: 'the patch that put the bug into the gym commit (the inverse of patch)' },
    { name: 'gym_commit', kind: 'string', description: 'the clean gym commit' },
    { name: 'language', kind: 'string', description: 'the gym language: python, javascript, typescript, go or rust' },
    { name: 'gym', kind: 'string', description: 'the gym name' },
    { name: 'source_pr_url', kind: 'string', description: 'the pull request whose bug was mirrored' },
    { name: 'source_repo', kind: 'string', description: 'the repository of that pull request' },
    { name: 'source_pr_number', kind: 'int64', description: 'its number' },
    { name: 'source_issues', kind: 'int64-list', description: 'the issues it closed' },
    { name: 'model', kind: 'string', description: 'the model that wrote the tests, the mirror and the statement' },
    { name: 'cost_usd', kind: 'float64', description: 'model cost of the task in US dollars' },
    { name: 'consistency', kind: 'nullable-string', description: "the faithfulness judge's grade against the source PR and issue: high, moderate, inconsistent or unreadable; null when not judged" },
    { name: 'consistency_reason', kind: 'nullable-string', description: "the judge's reason for that grade" },
    { name: 'eval_script', kind: 'string', description: 'bash that applies test_patch, runs the suite and prints the report between markers' },
    { name: 'log_parser', kind: 'string', description: 'the swebench 5 log parser that reads eval_script logs into these test ids' },
    { name: 'eval_type', kind: 'string', description: 'swebench 5 grading mode: pass_and_fail' },
    { name: 'image', kind: 'string', description: 'the container image swebench 5 runs the task in (not built by swe-mirror yet)' },
    { name: 'report_format', kind: 'string', description: "the gym's test report format, as swe-mirror's parsers name it" },
    { name: 'report_file', kind: 'nullable-string', description: 'the report file the test command writes; null when it reports on stdout' },
    { name: 'test_command', kind: 'string', description: 'the full-suite test command' },
    { name: 'install_commands', kind: 'string-list', description: 'commands that install the environment' },
    { name: 'image_name', kind: 'nullable-string', description: 'the container image of the gym; null when none' },
    {
      name: 'sandbox',
      kind: 'nullable-string',
      description: 'how verification was isolated, as a JSON object (isolated, unsafe_no_sandbox, missing); null for older tasks',
      read: (record) => (record.sandbox === null ? null : JSON.stringify(record.sandbox)),
    },
  ];
}

const UTF8 = { type: 'BYTE_ARRAY', converted_type: 'UTF8' } as const;

/** The Parquet schema elements of one column (a list is the standard three-level LIST group). */
function schemaElements(column: ColumnDefinition): SchemaElement[] {
  switch (column.kind) {
    case 'string':
      return [{ name: column.name, ...UTF8, repetition_type: 'REQUIRED' as const }];
    case 'nullable-string':
      return [{ name: column.name, ...UTF8, repetition_type: 'OPTIONAL' as const }];
    case 'float64':
      return [{ name: column.name, type: 'DOUBLE' as const, repetition_type: 'REQUIRED' as const }];
    case 'int64':
      return [{ name: column.name, type: 'INT64' as const, repetition_type: 'REQUIRED' as const }];
    case 'string-list':
    case 'int64-list':
      return [
        { name: column.name, repetition_type: 'REQUIRED' as const, converted_type: 'LIST' as const, num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED' as const, num_children: 1 },
        column.kind === 'string-list'
          ? { name: 'element', ...UTF8, repetition_type: 'REQUIRED' as const }
          : { name: 'element', type: 'INT64' as const, repetition_type: 'REQUIRED' as const },
      ];
  }
}

/** Coerce one value to its column's type, so a record that strays (an integer cost, a missing list) cannot change it. */
function toColumnValue(kind: ColumnKind, value: unknown, column: string): unknown {
  switch (kind) {
    case 'string':
      if (typeof value !== 'string') throw new Error(`internal: column ${column} expects a string, got ${JSON.stringify(value)}`);
      return value;
    case 'nullable-string':
      return value === null || value === undefined ? null : String(value);
    case 'float64':
      return Number(value);
    case 'int64':
      return BigInt(value as number);
    case 'string-list':
      return Array.isArray(value) ? value.map(String) : [];
    case 'int64-list':
      return Array.isArray(value) ? value.map((item) => BigInt(item as number)) : [];
  }
}

/** The SWE-bench records as one Parquet file (SNAPPY-compressed), with the fixed schema of `sweBenchColumns`. */
export function encodeSweBenchParquet(records: readonly SweBenchRecord[], options: { listsAsJsonStrings: boolean }): Uint8Array {
  const columns = sweBenchColumns(options);
  const schema: SchemaElement[] = [{ name: 'root', num_children: columns.length }, ...columns.flatMap(schemaElements)];
  const columnData = columns.map((column) => ({
    name: column.name,
    data: records.map((record) => toColumnValue(column.kind, column.read ? column.read(record) : (record as Record<string, unknown>)[column.name], column.name)),
  }));
  // hyparquet-writer types its column data loosely (DecodedArray); the values above match the schema by construction.
  return new Uint8Array(parquetWriteBuffer({ columnData: columnData as WriteOptions['columnData'], schema, kvMetadata: [{ key: 'writer', value: 'swe-mirror' }] }));
}

import { stringify } from 'yaml';
import type { ColumnDefinition, ColumnKind } from './parquet.js';

/** The Hugging Face `datasets` feature of each column type, as the YAML of a dataset card spells it. */
function featureOf(kind: ColumnKind): Record<string, string> {
  switch (kind) {
    case 'string':
    case 'nullable-string':
      return { dtype: 'string' };
    case 'float64':
      return { dtype: 'float64' };
    case 'int64':
      return { dtype: 'int64' };
    case 'string-list':
      return { list: 'string' };
    case 'int64-list':
      return { list: 'int64' };
  }
}

export interface DatasetCardInput {
  columns: readonly ColumnDefinition[];
  /** The Parquet file, relative to the card. */
  dataFile: string;
  taskCount: number;
  /** Instances per language. */
  languages: ReadonlyMap<string, number>;
  /** The statistics table, as `stats.txt` holds it. */
  statsText: string;
}

/**
 * A dataset card (README.md with a YAML header) that `datasets.load_dataset(<folder>)` reads: one `test` split from
 * the Parquet file, with the features given explicitly, so every export of swe-mirror has the same schema.
 */
export function renderDatasetCard(input: DatasetCardInput): string {
  const header = {
    pretty_name: 'swe-mirror tasks',
    tags: ['swe-bench', 'code', 'issue-resolution', 'swe-mirror'],
    configs: [{ config_name: 'default', data_files: [{ split: 'test', path: input.dataFile }] }],
    dataset_info: {
      features: input.columns.map((column) => ({ name: column.name, ...featureOf(column.kind) })),
    },
  };
  const languages = [...input.languages].map(([language, count]) => `${language} (${count})`).join(', ');
  return [
    '---',
    stringify(header).trimEnd(),
    '---',
    '',
    '# swe-mirror tasks',
    '',
    `${input.taskCount} verifiable issue-resolving tasks${languages ? ` in ${languages}` : ''}, made by`,
    '[swe-mirror](https://www.npmjs.com/package/swe-mirror), in SWE-bench form.',
    '',
    '## How the data was made',
    '',
    'Each task re-enacts a bug that a merged pull request fixed in some project inside a *gym*: a different,',
    'analogous repository whose test suite runs. A model wrote hidden tests that pass on the gym code, a second',
    'model edited the code so that they fail (`mirror_patch`; its inverse is the reference fix `patch`), and a',
    'third wrote the problem statement. The full suite then ran in three states (bug, bug + tests, fix + tests),',
    'with reruns, and a task was kept only if the tests only add, the fix fixes, nothing regresses and nothing',
    'is flaky. `FAIL_TO_PASS` and `PASS_TO_PASS` come from those runs.',
    '',
    'The repository states are in `bundles/<gym>.bundle` beside this card: `base_commit` is the buggy commit',
    '(tagged `swe-mirror/<instance_id>`), and `gyms/<gym>.yaml` says how to install and test each gym.',
    '',
    '## Fields',
    '',
    '| field | type | meaning |',
    '| --- | --- | --- |',
    ...input.columns.map((column) => `| \`${column.name}\` | ${describeKind(column.kind)} | ${column.description} |`),
    '',
    '## Statistics',
    '',
    '```',
    input.statsText.trimEnd(),
    '```',
    '',
  ].join('\n');
}

function describeKind(kind: ColumnKind): string {
  return { string: 'string', 'nullable-string': 'string or null', float64: 'float64', int64: 'int64', 'string-list': 'list of strings', 'int64-list': 'list of int64' }[kind];
}

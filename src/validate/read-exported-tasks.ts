import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { SweMirrorError } from '../core/errors.js';
import { formatIssues } from '../config/validate.js';

/** The fields of an exported SWE-bench record that re-verification reads. */
export interface ExportedTask {
  /** 1-based line in tasks.jsonl. */
  line: number;
  instanceId: string;
  gym: string;
  /** The materialized buggy commit (gym commit + mirror.patch), held in the gym's bundle. */
  baseCommit: string;
  /** The reference fix. */
  patch: string;
  testPatch: string;
  FAIL_TO_PASS: string[];
  PASS_TO_PASS: string[];
  gymCommit: string | undefined;
}

/** A line of tasks.jsonl that could not be read as a task. */
export interface UnreadableLine {
  line: number;
  /** The instance id, when the line got far enough to have one. */
  instanceId: string | undefined;
  error: SweMirrorError;
}

const TEST_LIST_MESSAGE = 'must be a list of test names, or a JSON string holding one';

function isTestList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** FAIL_TO_PASS / PASS_TO_PASS: a list, or the JSON-string form dataset hubs use. */
const testListSchema = z.unknown().transform((value, context) => {
  if (isTestList(value)) return value;
  if (typeof value === 'string') {
    try {
      const parsed: unknown = JSON.parse(value);
      if (isTestList(parsed)) return parsed;
    } catch {
      // Reported below, with the same message as any other wrong shape.
    }
  }
  context.addIssue({ code: 'custom', message: value === undefined ? 'missing' : TEST_LIST_MESSAGE });
  return z.NEVER;
});

// Tolerant: extra fields are ignored, only what re-verification needs is required.
const exportedRecordSchema = z.object({
  instance_id: z.string().min(1),
  // Names a file under gyms/ and bundles/: the gym spec's own name rule keeps it inside them.
  gym: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, 'must be a gym name (letters, digits, dot, dash, underscore)'),
  base_commit: z.string().regex(/^[0-9a-f]{7,64}$/i, 'must be a commit id'),
  patch: z.string().min(1),
  test_patch: z.string().min(1),
  FAIL_TO_PASS: testListSchema,
  PASS_TO_PASS: testListSchema,
  gym_commit: z.string().optional(),
});

/** Parse one line of tasks.jsonl; a problem comes back as an UnreadableLine, never thrown. */
export function parseExportedLine(text: string, line: number, tasksFile: string): ExportedTask | UnreadableLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    return {
      line,
      instanceId: undefined,
      error: new SweMirrorError({
        code: 'EXPORT_RECORD_INVALID',
        kind: 'user',
        message: `${tasksFile}:${line} is not valid JSON (${(cause as Error).message}).`,
        hint: 'Each line of tasks.jsonl must be one JSON object, as written by `swe-mirror export`; fix or remove that line.',
      }),
    };
  }
  const result = exportedRecordSchema.safeParse(value);
  if (!result.success) {
    const instanceId = typeof (value as { instance_id?: unknown } | null)?.instance_id === 'string' ? (value as { instance_id: string }).instance_id : undefined;
    const problems = formatIssues(result.error.issues);
    return {
      line,
      instanceId,
      error: new SweMirrorError({
        code: 'EXPORT_RECORD_INVALID',
        kind: 'user',
        message: `${tasksFile}:${line}${instanceId ? ` (${instanceId})` : ''} is not a task record: ${problems.join('; ')}.`,
        hint: 'Records need instance_id, gym, base_commit, patch, test_patch, FAIL_TO_PASS and PASS_TO_PASS, as written by `swe-mirror export`; fix or re-export that line.',
        details: { problems },
      }),
    };
  }
  const record = result.data;
  return {
    line,
    instanceId: record.instance_id,
    gym: record.gym,
    baseCommit: record.base_commit,
    patch: record.patch,
    testPatch: record.test_patch,
    FAIL_TO_PASS: record.FAIL_TO_PASS,
    PASS_TO_PASS: record.PASS_TO_PASS,
    gymCommit: record.gym_commit,
  };
}

/** Whether a parsed line is a readable task. */
export function isExportedTask(entry: ExportedTask | UnreadableLine): entry is ExportedTask {
  return !('error' in entry);
}

/** Read tasks.jsonl: every non-blank line, as a task or as the reason it is unreadable. */
export async function readExportedTasks(tasksFile: string): Promise<Array<ExportedTask | UnreadableLine>> {
  let text: string;
  try {
    text = await readFile(tasksFile, 'utf8');
  } catch (cause) {
    throw new SweMirrorError({
      code: 'EXPORT_TASKS_NOT_FOUND',
      kind: 'user',
      message: `Cannot read ${tasksFile}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}.`,
      hint: 'Pass the tasks.jsonl written by `swe-mirror export` (it sits beside the bundles/ and gyms/ folders).',
      cause,
    });
  }
  const entries: Array<ExportedTask | UnreadableLine> = [];
  const seen = new Map<string, number>();
  for (const [index, raw] of text.split('\n').entries()) {
    if (raw.trim() === '') continue;
    const entry = parseExportedLine(raw, index + 1, tasksFile);
    if (isExportedTask(entry)) {
      const earlier = seen.get(entry.instanceId);
      if (earlier !== undefined) {
        entries.push({
          line: entry.line,
          instanceId: entry.instanceId,
          error: new SweMirrorError({
            code: 'EXPORT_RECORD_DUPLICATE',
            kind: 'user',
            message: `${tasksFile}:${entry.line} repeats instance_id ${entry.instanceId} (first on line ${earlier}).`,
            hint: 'Instance ids must be unique; remove the repeated line or re-export.',
          }),
        });
        continue;
      }
      seen.set(entry.instanceId, entry.line);
    }
    entries.push(entry);
  }
  if (entries.length === 0) {
    throw new SweMirrorError({
      code: 'EXPORT_TASKS_EMPTY',
      kind: 'user',
      message: `${tasksFile} holds no task records.`,
      hint: 'Export tasks first (`swe-mirror export`), then validate the tasks.jsonl it writes.',
    });
  }
  return entries;
}

import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** The per-gym record of tests ever seen flaky, one JSON object a line, appended by every verification. */
const RECORD_FILE = 'flaky-tests.jsonl';

export function flakyRecordPath(gymDirectory: string): string {
  return path.join(gymDirectory, RECORD_FILE);
}

/** Tests recorded flaky in earlier verifications of the gym; lines that do not parse are skipped. */
export async function readKnownFlakyTests(gymDirectory: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(flakyRecordPath(gymDirectory), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const tests = new Set<string>();
  for (const line of text.split('\n')) {
    try {
      const entry = JSON.parse(line) as unknown;
      if (typeof entry === 'object' && entry !== null && typeof (entry as { test?: unknown }).test === 'string') tests.add((entry as { test: string }).test);
    } catch {
      // A torn or foreign line: the record is advisory, the rest still counts.
    }
  }
  return [...tests].sort();
}

/** Append tests seen flaky now; one write with O_APPEND, so verifications running at once do not tear each other's lines. */
export async function recordFlakyTests(gymDirectory: string, tests: string[], context: { task?: string } = {}): Promise<void> {
  if (tests.length === 0) return;
  await mkdir(gymDirectory, { recursive: true });
  const at = new Date().toISOString();
  const lines = tests.map((test) => JSON.stringify({ test, at, ...(context.task ? { task: context.task } : {}) }));
  await appendFile(flakyRecordPath(gymDirectory), `${lines.join('\n')}\n`);
}

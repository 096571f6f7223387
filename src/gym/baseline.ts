import type { TestStatusMap } from '../core/tests.js';

/** Tests whose status (absence included) is not the same in every run, sorted. */
export function findFlakyTests(runs: TestStatusMap[]): string[] {
  const ids = new Set(runs.flatMap((run) => Object.keys(run)));
  return [...ids].filter((id) => new Set(runs.map((run) => run[id] ?? 'NONE')).size > 1).sort();
}

/** Passed / failed / skipped counts of one run. */
export function countStatuses(tests: TestStatusMap): { passed: number; failed: number; skipped: number } {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const status of Object.values(tests)) {
    if (status === 'PASSED') counts.passed += 1;
    else if (status === 'FAILED') counts.failed += 1;
    else counts.skipped += 1;
  }
  return counts;
}

/** The last `lineCount` lines of a log, for error messages. */
export function tailLines(text: string, lineCount = 40): string {
  return text.trimEnd().split('\n').slice(-lineCount).join('\n');
}

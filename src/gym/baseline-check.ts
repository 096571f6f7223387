import type { ParsedReport } from '../core/tests.js';

/** What one baseline run showed, as far as deciding whether it proves anything. */
export interface BaselineRunFacts {
  exitCode: number | null;
  timedOut: boolean;
  outOfMemory: boolean;
  report: Pick<ParsedReport, 'tests' | 'warnings'>;
}

/** Most tests the baseline may quarantine as flaky before the gym is refused: more than this says the runs, not the tests, are unstable. */
export const MAXIMUM_QUARANTINED_SHARE = 0.05;

/** The report parsers' words for a build that failed (cargo's compile errors, Go's `[build failed]` packages). */
const BUILD_FAILED = /the build failed|failed to build/;

/**
 * Why one baseline run (which showed evidence of running) proves nothing, or undefined when it is usable:
 * killed by a limit, no test at all, a failed build, or a non-zero exit with no test failing (the report missed
 * what failed: a file that did not load, a crash after the last result). Pure: prepare turns it into an error.
 */
export function findBaselineRunProblem(run: BaselineRunFacts): string | undefined {
  if (run.timedOut) return 'it hit the time limit (timeLimitSeconds) and was killed';
  if (run.outOfMemory) return 'it ran out of memory (memoryLimitMB) and was killed';
  const statuses = Object.values(run.report.tests);
  const buildFailure = run.report.warnings.find((warning) => BUILD_FAILED.test(warning));
  if (buildFailure) return `the build failed: ${buildFailure}`;
  if (statuses.length === 0) return 'it ran zero tests';
  if (run.exitCode !== 0 && !statuses.includes('FAILED')) {
    return `the command exited with ${run.exitCode ?? 'a signal'} but the report shows no failing test (${statuses.length} read), so something failed that the report does not show`;
  }
  return undefined;
}

/** Why the baseline's quarantine is too large to trust, or undefined. */
export function findQuarantineProblem(quarantined: number, total: number): string | undefined {
  const allowed = Math.max(1, Math.floor(total * MAXIMUM_QUARANTINED_SHARE));
  if (quarantined <= allowed) return undefined;
  const percent = total === 0 ? 100 : Math.round((quarantined / total) * 100);
  return `${quarantined} of ${total} tests (${percent}%) changed status between baseline runs; at most ${allowed} (${MAXIMUM_QUARANTINED_SHARE * 100}%) may be quarantined`;
}

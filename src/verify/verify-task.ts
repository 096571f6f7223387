import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { SweMirrorError } from '../core/errors.js';
import type { Runtime } from '../core/process.js';
import { RECORD_SCHEMA_VERSION, type SandboxRecord, type TestState, type Verdict, type VerdictReason } from '../core/records.js';
import { withDirectoryLock } from '../gym/directory-lock.js';
import { resetGymWorkingCopy } from '../gym/reset.js';
import { runSuite as runSuiteInSandbox } from '../gym/run-suite.js';
import type { PreparedGym, SuiteRun } from '../gym/types.js';
import { withWorkingCopy } from '../gym/working-copies.js';
import { judgeTask, type StateRunResult } from './judge.js';
import {
  applyStatePatches,
  checkPatchesConfined,
  checkPatchesStatically,
  patchesForState,
  type PlannedPatches,
  type TaskPatches,
} from './sanity.js';

/** Runs the gym's suite once in a working copy. */
export type SuiteRunner = (gym: PreparedGym, options: { runtime: Runtime; workdir: string; logPath?: string }) => Promise<SuiteRun>;

/** Progress of a verification, for reporters. */
export type VerifyEvent =
  | { type: 'sanity'; reasons: VerdictReason[] }
  | { type: 'patches-applied'; methods: Record<string, string> }
  | { type: 'run-start'; state: TestState; repeat: number; repeats: number }
  | { type: 'run-done'; state: TestState; repeat: number; repeats: number; durationMs: number; passed: number; failed: number; skipped: number; hasEvidence: boolean }
  | { type: 'verdict'; verdict: Verdict };

export interface VerifyTaskOptions {
  runtime: Runtime;
  /** Suite runs per state; default run 1, test 3, fix 3. */
  repeats?: Partial<Record<TestState, number>>;
  /** Reject new tests that pass even with the bug, as the paper does. */
  strict?: boolean;
  /** Where each run's output goes (`<state>-<repeat>.log`); default: not kept. */
  logDirectory?: string;
  /** Working copy to use; default a leased copy of the gym. It is reset to the gym commit at the end. */
  workdir?: string;
  onEvent?: (event: VerifyEvent) => void;
  /** Default: the gym's sandboxed suite run with its report parser. */
  runSuite?: SuiteRunner;
  /** Default: git reset --hard + git clean (ignored install artefacts kept). */
  resetWorkingCopy?: (workdir: string, commit: string) => Promise<void>;
  /** The user opted out of the sandbox (--unsafe-no-sandbox); recorded in the verdict. */
  unsafeNoSandbox?: boolean;
}

const WORKING_COPY_WAIT_MS = 60 * 60 * 1000;
export const DEFAULT_REPEATS: Record<TestState, number> = { run: 1, test: 3, fix: 3 };
const STATES: TestState[] = ['run', 'test', 'fix'];

/** Verify one task: sanity checks, then the run / test / fix states with repeats, each on a freshly reset working copy, judged by DESIGN section 4. */
export async function verifyTask(gym: PreparedGym, patches: TaskPatches, options: VerifyTaskOptions): Promise<Verdict> {
  const given = options.workdir;
  if (given === undefined) return withWorkingCopy(gym, (workdir) => verifyInWorkingCopy(gym, patches, options, workdir));
  // One verification at a time per working copy: another process resetting it mid-run would corrupt both.
  return withDirectoryLock(`${given}.verify-lock`, WORKING_COPY_WAIT_MS, () => verifyInWorkingCopy(gym, patches, options, given));
}

async function verifyInWorkingCopy(gym: PreparedGym, patches: TaskPatches, options: VerifyTaskOptions, workdir: string): Promise<Verdict> {
  const emit = options.onEvent ?? (() => undefined);
  const reset = options.resetWorkingCopy ?? ((directory: string, commit: string) => resetGymWorkingCopy(gym, directory, commit));
  const runSuite = options.runSuite ?? runSuiteInSandbox;
  const repeats = resolveRepeats(options.repeats);
  // What the runtime says it cannot enforce, plus what any run reported missing.
  const missing = new Set((await options.runtime.describeProtections()).missing);
  const verdict = (fields: Partial<Verdict> & Pick<Verdict, 'valid' | 'reasons'>): Verdict => {
    const sandbox: SandboxRecord = { isolated: missing.size === 0, unsafeNoSandbox: options.unsafeNoSandbox ?? false, missing: [...missing] };
    const result = emptyVerdict(gym, { ...fields, sandbox });
    emit({ type: 'verdict', verdict: result });
    return result;
  };

  const statics = checkPatchesStatically(patches, gym.spec.testFiles);
  if (!statics.patches) {
    emit({ type: 'sanity', reasons: statics.reasons });
    return verdict({ valid: false, reasons: statics.reasons });
  }
  const planned: PlannedPatches = statics.patches;
  try {
    await reset(workdir, gym.commit);
    const confinement = await checkPatchesConfined(workdir, planned);
    // The fix state applies every patch in order: if it can be built, every state can.
    const application = confinement.length > 0 ? { reasons: [], methods: {} } : await applyStatePatches(workdir, patchesForState(planned, 'fix'));
    const sanityReasons = [...confinement, ...application.reasons];
    emit({ type: 'sanity', reasons: sanityReasons });
    if (sanityReasons.length > 0) return verdict({ valid: false, reasons: sanityReasons });
    emit({ type: 'patches-applied', methods: application.methods });

    if (options.logDirectory) await mkdir(options.logDirectory, { recursive: true });
    const results: Record<TestState, StateRunResult[]> = { run: [], test: [], fix: [] };
    const runs: Verdict['runs'] = [];
    let level: Verdict['level'] = 'test';
    for (const state of STATES) {
      for (let repeat = 1; repeat <= repeats[state]; repeat++) {
        await reset(workdir, gym.commit);
        const applied = await applyStatePatches(workdir, patchesForState(planned, state));
        if (applied.reasons.length > 0) return verdict({ valid: false, reasons: applied.reasons, runs });
        emit({ type: 'run-start', state, repeat, repeats: repeats[state] });
        const logPath = options.logDirectory ? path.join(options.logDirectory, `${state}-${repeat}.log`) : undefined;
        const suite = await runSuite(gym, { runtime: options.runtime, workdir, ...(logPath ? { logPath } : {}) });
        const { process: result, report } = suite;
        for (const protection of result.missingProtections) missing.add(protection);
        if (report.level === 'assertion') level = 'assertion';
        results[state].push({ tests: report.tests, hasEvidence: report.hasEvidence, timedOut: result.timedOut, outOfMemory: result.outOfMemory });
        runs.push({
          state,
          repeat,
          exitCode: result.exitCode,
          durationMs: result.durationMs,
          timedOut: result.timedOut,
          outOfMemory: result.outOfMemory,
          hasEvidence: report.hasEvidence,
          ...(logPath ? { logPath } : {}),
        });
        const counts = countStatuses(report.tests);
        emit({ type: 'run-done', state, repeat, repeats: repeats[state], durationMs: result.durationMs, ...counts, hasEvidence: report.hasEvidence });
      }
    }
    const judgement = judgeTask({ runs: results, quarantined: gym.baseline.quarantined, strict: options.strict ?? false });
    return verdict({ ...judgement, runs, level });
  } finally {
    await reset(workdir, gym.commit);
  }
}

function resolveRepeats(requested: Partial<Record<TestState, number>> | undefined): Record<TestState, number> {
  const repeats = { ...DEFAULT_REPEATS, ...requested };
  for (const state of STATES) {
    if (!Number.isInteger(repeats[state]) || repeats[state] < 1) {
      throw new SweMirrorError({
        code: 'VERIFY_REPEATS_INVALID',
        kind: 'user',
        message: `The number of ${state} runs must be a positive whole number, got ${repeats[state]}.`,
        hint: 'Pass --runs 1 or more (the default is 1 run of the run state and 3 of test and fix).',
      });
    }
  }
  return repeats;
}

function countStatuses(tests: Record<string, string>): { passed: number; failed: number; skipped: number } {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const status of Object.values(tests)) {
    if (status === 'PASSED') counts.passed++;
    else if (status === 'FAILED') counts.failed++;
    else if (status === 'SKIPPED') counts.skipped++;
  }
  return counts;
}

/** A verdict with every field in reading order (valid and reasons first), defaults for what a stage did not reach. */
function emptyVerdict(gym: PreparedGym, fields: Partial<Verdict> & Pick<Verdict, 'valid' | 'reasons'>): Verdict {
  return {
    schemaVersion: RECORD_SCHEMA_VERSION,
    valid: fields.valid,
    reasons: fields.reasons,
    FAIL_TO_PASS: fields.FAIL_TO_PASS ?? [],
    PASS_TO_PASS: fields.PASS_TO_PASS ?? [],
    newButNotFailing: fields.newButNotFailing ?? [],
    flakyTests: fields.flakyTests ?? [],
    quarantinedTests: fields.quarantinedTests ?? [],
    runner: gym.spec.test.command,
    parser: gym.spec.test.report.format,
    level: fields.level ?? 'test',
    runs: fields.runs ?? [],
    sandbox: fields.sandbox ?? { isolated: false, unsafeNoSandbox: false, missing: ['not recorded'] },
    tests: fields.tests ?? {},
  };
}

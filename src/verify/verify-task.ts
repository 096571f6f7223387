import { existsSync } from 'node:fs';
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
import { classifyPatchFiles, listPatchFiles } from '../edits/patch.js';
import { findFailToPassCandidates, findUncovered, planDecidingFiles } from './deciding-tests.js';
import { readKnownFlakyTests, recordFlakyTests } from './flaky-record.js';
import { judgeTask, type StateRunResult } from './judge.js';
import {
  applyStatePatches,
  checkInlineTestHunks,
  checkPatchesConfined,
  checkPatchesStatically,
  hasInlineTests,
  patchesForState,
  type PlannedPatches,
  type TaskPatches,
} from './sanity.js';

/** Runs the gym's suite once in a working copy. */
export type SuiteRunner = (gym: PreparedGym, options: { runtime: Runtime; workdir: string; logPath?: string; files?: string[] }) => Promise<SuiteRun>;

/** Progress of a verification, for reporters. */
export type VerifyEvent =
  | { type: 'sanity'; reasons: VerdictReason[] }
  | { type: 'patches-applied'; methods: Record<string, string> }
  | { type: 'run-start'; state: TestState; repeat: number; repeats: number; files?: string[] }
  | {
      type: 'run-done';
      state: TestState;
      repeat: number;
      repeats: number;
      durationMs: number;
      passed: number;
      failed: number;
      skipped: number;
      hasEvidence: boolean;
      /** Set for a targeted rerun: the test files it ran. */
      files?: string[];
    }
  | { type: 'verdict'; verdict: Verdict };

export interface VerifyTaskOptions {
  runtime: Runtime;
  /**
   * Full suite runs per state; default 1 each. More than one full run of test or fix is the paper's behaviour:
   * flakiness is then judged on full repeats and there are no targeted reruns unless `reruns` is given.
   */
  repeats?: Partial<Record<TestState, number>>;
  /**
   * Reruns of the deciding tests (FAIL_TO_PASS candidates and the tests in files test.patch touches) in fix, then
   * in test, through the gym's filesCommand (the full suite when it has none); default 1 each, 0 for none.
   */
  reruns?: number;
  /** Read and append the gym's record of tests seen flaky (`flaky-tests.jsonl` in its directory); default true. */
  useFlakyRecord?: boolean;
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
export const DEFAULT_REPEATS: Record<TestState, number> = { run: 1, test: 1, fix: 1 };
export const DEFAULT_RERUNS = 1;
const STATES: TestState[] = ['run', 'test', 'fix'];

/**
 * Verify one task: sanity checks, then each state once in full, then the deciding tests rerun for flakiness (DESIGN
 * section 4's cost rule), each run on a freshly reset working copy, judged by section 4's rules.
 */
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
    const hasInlineTestFiles = [planned.mirror, planned.test, planned.fix].some((text) => listPatchFiles(text).some(hasInlineTests));
    const inlineTests = confinement.length > 0 || !hasInlineTestFiles ? [] : await checkInlineTestHunks(workdir, planned, gym.spec.testFiles);
    if (hasInlineTestFiles) await reset(workdir, gym.commit);
    // The fix state applies every patch in order: if it can be built, every state can.
    const application = confinement.length > 0 ? { reasons: [], methods: {} } : await applyStatePatches(workdir, patchesForState(planned, 'fix'));
    const sanityReasons = [...confinement, ...inlineTests, ...application.reasons];
    emit({ type: 'sanity', reasons: sanityReasons });
    if (sanityReasons.length > 0) return verdict({ valid: false, reasons: sanityReasons });
    emit({ type: 'patches-applied', methods: application.methods });

    if (options.logDirectory) await mkdir(options.logDirectory, { recursive: true });
    const results: Record<TestState, StateRunResult[]> = { run: [], test: [], fix: [] };
    const runs: Verdict['runs'] = [];
    let level: Verdict['level'] = 'test';
    /** One run of a state (the whole suite, or only `files`) on a freshly reset working copy; the sanity reasons when its patches no longer apply. */
    const runState = async (state: TestState, plannedRuns: number, files?: string[]): Promise<StateRunResult | VerdictReason[]> => {
      const repeat = results[state].length + 1;
      await reset(workdir, gym.commit);
      const applied = await applyStatePatches(workdir, patchesForState(planned, state));
      if (applied.reasons.length > 0) return applied.reasons;
      const existing = files?.filter((file) => existsSync(path.join(workdir, file)));
      const scope = existing && existing.length > 0 ? { files: existing } : {};
      emit({ type: 'run-start', state, repeat, repeats: plannedRuns, ...scope });
      const logPath = options.logDirectory ? path.join(options.logDirectory, `${state}-${repeat}.log`) : undefined;
      const suite = await runSuite(gym, { runtime: options.runtime, workdir, ...(logPath ? { logPath } : {}), ...scope });
      const { process: result, report } = suite;
      for (const protection of result.missingProtections) missing.add(protection);
      if (report.level === 'assertion') level = 'assertion';
      const stateResult: StateRunResult = {
        tests: report.tests,
        hasEvidence: report.hasEvidence,
        timedOut: result.timedOut,
        outOfMemory: result.outOfMemory,
        processLimitReached: result.processLimitReached === true,
        ...(report.hasEvidence ? {} : { warnings: report.warnings }),
        ...(scope.files ? { isPartial: true } : {}),
      };
      results[state].push(stateResult);
      runs.push({
        state,
        repeat,
        exitCode: result.exitCode,
        durationMs: result.durationMs,
        timedOut: result.timedOut,
        outOfMemory: result.outOfMemory,
        ...(result.processLimitReached ? { processLimitReached: true } : {}),
        hasEvidence: report.hasEvidence,
        ...(report.hasEvidence || report.warnings.length === 0 ? {} : { warnings: report.warnings }),
        ...(logPath ? { logPath } : {}),
        ...scope,
      });
      emit({ type: 'run-done', state, repeat, repeats: plannedRuns, durationMs: result.durationMs, ...countStatuses(report.tests), hasEvidence: report.hasEvidence, ...scope });
      return stateResult;
    };
    const plan = planRuns(repeats, options);
    for (const state of STATES) {
      for (let repeat = 1; repeat <= repeats[state]; repeat++) {
        const outcome = await runState(state, repeats[state] + (state === 'run' ? 0 : plan.reruns));
        if (Array.isArray(outcome)) return verdict({ valid: false, reasons: outcome, runs });
      }
    }
    const knownFlaky = plan.useFlakyRecord ? await readKnownFlakyTests(gym.directory) : [];
    const judge = (): ReturnType<typeof judgeTask> =>
      judgeTask({
        runs: results,
        quarantined: [...gym.baseline.quarantined, ...(gym.spec.quarantine ?? [])],
        knownFlaky,
        ...(gym.spec.test.report.format === 'go-json' ? { subtestSeparator: '/' } : {}),
        strict: options.strict ?? false,
      });
    let judgement = judge();
    const [firstTest, firstFix] = [results.test[0], results.fix[0]];
    // Reruns can only add reasons: a task already invalid on its full runs is not rerun.
    if (plan.reruns > 0 && judgement.valid && firstTest && firstFix) {
      const candidates = findFailToPassCandidates(firstTest.tests, firstFix.tests);
      const testPatchFiles = listPatchFiles(planned.test);
      const decidingFiles = classifyPatchFiles(testPatchFiles, gym.spec.testFiles).testFiles.concat(testPatchFiles.filter((file) => file.endsWith('.rs')));
      // Without a filesCommand, or with nothing to point it at, the rerun is the whole suite.
      const files = gym.spec.test.filesCommand ? planDecidingFiles(decidingFiles, candidates) : [];
      for (let index = 0; index < plan.reruns; index++) {
        // fix before test: a test whose outcome alternates run by run is then seen both ways in both states.
        for (const state of ['fix', 'test'] as const) {
          const plannedRuns = repeats[state] + plan.reruns;
          const outcome = await runState(state, plannedRuns, files.length > 0 ? files : undefined);
          if (Array.isArray(outcome)) return verdict({ valid: false, reasons: outcome, runs });
          // A targeted rerun that did not report a candidate cannot vouch for it: rerun that state in full.
          if (outcome.isPartial && outcome.hasEvidence && findUncovered(candidates, outcome.tests).length > 0) {
            const full = await runState(state, plannedRuns + 1);
            if (Array.isArray(full)) return verdict({ valid: false, reasons: full, runs });
          }
        }
      }
      judgement = judge();
    }
    if (plan.useFlakyRecord) {
      const known = new Set(knownFlaky);
      await recordFlakyTests(gym.directory, judgement.flakyTests.filter((id) => !known.has(id)));
    }
    return verdict({ ...judgement, runs, level });
  } finally {
    await reset(workdir, gym.commit);
  }
}

/** Targeted reruns only when no state is already repeated in full, unless asked for explicitly. */
function planRuns(repeats: Record<TestState, number>, options: VerifyTaskOptions): { reruns: number; useFlakyRecord: boolean } {
  const isRepeatedInFull = repeats.test > 1 || repeats.fix > 1;
  const reruns = options.reruns ?? (isRepeatedInFull ? 0 : DEFAULT_RERUNS);
  if (!Number.isInteger(reruns) || reruns < 0) {
    throw new SweMirrorError({
      code: 'VERIFY_RERUNS_INVALID',
      kind: 'user',
      message: `The number of flakiness reruns must be a whole number of 0 or more, got ${reruns}.`,
      hint: 'Pass --reruns 0 or more (the default is 1 rerun of the deciding tests in fix and in test).',
    });
  }
  return { reruns, useFlakyRecord: options.useFlakyRecord ?? true };
}

function resolveRepeats(requested: Partial<Record<TestState, number>> | undefined): Record<TestState, number> {
  const repeats = { ...DEFAULT_REPEATS, ...requested };
  for (const state of STATES) {
    if (!Number.isInteger(repeats[state]) || repeats[state] < 1) {
      throw new SweMirrorError({
        code: 'VERIFY_REPEATS_INVALID',
        kind: 'user',
        message: `The number of ${state} runs must be a positive whole number, got ${repeats[state]}.`,
        hint: 'Pass --runs 1 or more (the default is one full run of each state, then targeted reruns).',
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

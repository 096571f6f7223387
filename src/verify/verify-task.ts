import { existsSync } from 'node:fs';
import os from 'node:os';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { SweMirrorError } from '../core/errors.js';
import type { Runtime } from '../core/process.js';
import { RECORD_SCHEMA_VERSION, type SandboxRecord, type TestState, type Verdict, type VerdictReason } from '../core/records.js';
import { withDirectoryLock } from '../gym/directory-lock.js';
import { resolveGymRuntime } from '../gym/gym-runtime.js';
import { holdContainers } from '../runtime/docker/container-runtime.js';
import { resetGymWorkingCopy } from '../gym/reset.js';
import { runSuite as runSuiteInSandbox } from '../gym/run-suite.js';
import type { PreparedGym, SuiteRun } from '../gym/types.js';
import { withWorkingCopy } from '../gym/working-copies.js';
import { classifyPatchFiles, invertPatch, listPatchFiles } from '../edits/patch.js';
import type { TestStatusMap } from '../core/tests.js';
import { findFailingInRun, findFailToPassCandidates, findUncovered, planDecidingFiles } from './deciding-tests.js';
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
  /**
   * Suite runs of one state at once: 2 runs each state's first targeted rerun beside its full run (same tree, each
   * through its own throw-away layer), so the reruns cost cores rather than wall time. Default: 2 when this
   * machine has a core to spare (see `chooseParallelRuns`), else 1. Verdicts do not depend on it.
   */
  parallelRuns?: number;
  /**
   * Runs of the deciding tests already made on exactly the test and fix trees, taken as each state's first targeted
   * rerun instead of running it again: the mirror stage's (its test step ran test.patch's files on the clean gym,
   * which is the fix tree when fix.patch is mirror.patch's inverse; its mirror step ran them on mirror + test).
   * Ignored unless fix.patch is that inverse, or when no reruns are asked for.
   */
  priorRuns?: Record<'test' | 'fix', PriorRun>;
}

/** A targeted run made before verification, of the same tree as a state. */
export interface PriorRun {
  tests: TestStatusMap;
  hasEvidence: boolean;
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
  // A docker gym's runs are containers whatever runtime the caller holds: the record describes those.
  const suiteRuntime = await resolveGymRuntime(gym, options.runtime);
  const missing = new Set((await suiteRuntime.describeProtections()).missing);
  const verdict = (fields: Partial<Verdict> & Pick<Verdict, 'valid' | 'reasons'>): Verdict => {
    const sandbox: SandboxRecord = { isolated: missing.size === 0, unsafeNoSandbox: options.unsafeNoSandbox ?? false, missing: [...missing], runtime: suiteRuntime.name };
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
  // A docker gym's next run starts its container while the current one runs; none remain once verify returns.
  const releaseContainers = holdContainers(suiteRuntime);
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
    /** Reset the working copy and apply a state's patches; the sanity reasons when they no longer apply. */
    const buildState = async (state: TestState): Promise<VerdictReason[]> => {
      await reset(workdir, gym.commit);
      return (await applyStatePatches(workdir, patchesForState(planned, state))).reasons;
    };
    /** One run in the state the working copy is in (the whole suite, or only `files`), recorded by the caller in a fixed order. */
    const executeRun = async (state: TestState, repeat: number, plannedRuns: number, files?: string[]): Promise<{ result: StateRunResult; run: Verdict['runs'][number] }> => {
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
      const run: Verdict['runs'][number] = {
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
      };
      emit({ type: 'run-done', state, repeat, repeats: plannedRuns, durationMs: result.durationMs, ...countStatuses(report.tests), hasEvidence: report.hasEvidence, ...scope });
      return { result: stateResult, run };
    };
    const record = (state: TestState, outcome: { result: StateRunResult; run: Verdict['runs'][number] }): StateRunResult => {
      results[state].push(outcome.result);
      runs.push(outcome.run);
      return outcome.result;
    };
    /** One run of a state on a freshly reset working copy; the sanity reasons when its patches no longer apply. */
    const runState = async (state: TestState, plannedRuns: number, files?: string[]): Promise<StateRunResult | VerdictReason[]> => {
      const reasons = await buildState(state);
      if (reasons.length > 0) return reasons;
      return record(state, await executeRun(state, results[state].length + 1, plannedRuns, files));
    };
    const plan = planRuns(repeats, options);
    const testPatchFiles = listPatchFiles(planned.test);
    const decidingFiles = classifyPatchFiles(testPatchFiles, gym.spec.testFiles).testFiles.concat(testPatchFiles.filter(hasInlineTests));
    const knownFlaky = plan.useFlakyRecord ? await readKnownFlakyTests(gym.directory) : [];
    const judge = (runsByState: Record<TestState, StateRunResult[]> = results): ReturnType<typeof judgeTask> =>
      judgeTask({
        runs: runsByState,
        quarantined: [...gym.baseline.quarantined, ...(gym.spec.quarantine ?? [])],
        knownFlaky,
        ...(gym.spec.test.report.format === 'go-json' ? { subtestSeparator: '/' } : {}),
        strict: options.strict ?? false,
      });
    /** Full runs only: a task invalid on them is judged on them alone, whichever schedule ran the reruns. */
    const fullRunsOnly = (): Record<TestState, StateRunResult[]> => ({
      run: results.run.filter((result) => !result.isPartial),
      test: results.test.filter((result) => !result.isPartial),
      fix: results.fix.filter((result) => !result.isPartial),
    });
    /** A targeted rerun that did not report a FAIL_TO_PASS candidate cannot vouch for it: that state is rerun in full. */
    const rerunUncoveredInFull = async (): Promise<VerdictReason[] | undefined> => {
      const [firstTest, firstFix] = [results.test.find((result) => !result.isPartial), results.fix.find((result) => !result.isPartial)];
      if (!firstTest || !firstFix) return undefined;
      const candidates = findFailToPassCandidates(firstTest.tests, firstFix.tests);
      for (const state of ['fix', 'test'] as const) {
        const isUncovered = results[state].some((result) => result.isPartial && result.hasEvidence && findUncovered(candidates, result.tests).length > 0);
        if (!isUncovered) continue;
        const full = await runState(state, results[state].length + 1);
        if (Array.isArray(full)) return full;
      }
      return undefined;
    };
    // Prior runs stand in for the first targeted rerun of each state, so one fewer of each is run here.
    const prior = plan.reruns > 0 && options.priorRuns && planned.fix === invertPatch(planned.mirror) ? options.priorRuns : undefined;
    const reruns = plan.reruns - (prior ? 1 : 0);
    const addPriorRuns = (): void => {
      for (const state of ['fix', 'test'] as const) {
        if (!prior) continue;
        results[state].push({ tests: prior[state].tests, hasEvidence: prior[state].hasEvidence, timedOut: false, outOfMemory: false, processLimitReached: false, isPartial: true });
      }
    };
    const isOverlapped = reruns > 0 && repeats.run === 1 && repeats.test === 1 && repeats.fix === 1 && resolveParallelRuns(options.parallelRuns) >= 2;
    let rerunFiles: string[] = [];
    let judgement: ReturnType<typeof judgeTask>;
    if (isOverlapped) {
      // run first, alone: the tests it fails are the pre-existing FAIL_TO_PASS candidates, so the reruns can start
      // beside test's and fix's full runs instead of after them.
      const first = await runState('run', 1);
      if (Array.isArray(first)) return verdict({ valid: false, reasons: first, runs });
      rerunFiles = gym.spec.test.filesCommand ? planDecidingFiles(decidingFiles, findFailingInRun(first.tests, gym.baseline.tests)) : [];
      for (const state of ['test', 'fix'] as const) {
        const reasons = await buildState(state);
        if (reasons.length > 0) return verdict({ valid: false, reasons, runs });
        const plannedRuns = 1 + plan.reruns;
        const [full, rerun] = await Promise.all([executeRun(state, 1, plannedRuns), executeRun(state, 2, plannedRuns, rerunFiles.length > 0 ? rerunFiles : undefined)]);
        record(state, full);
        record(state, rerun);
      }
      // Further reruns (reruns > 1) run one after another, fix before test as below.
      for (let index = 1; index < reruns; index++) {
        for (const state of ['fix', 'test'] as const) {
          const outcome = await runState(state, 1 + plan.reruns, rerunFiles.length > 0 ? rerunFiles : undefined);
          if (Array.isArray(outcome)) return verdict({ valid: false, reasons: outcome, runs });
        }
      }
      addPriorRuns();
      judgement = judge(fullRunsOnly());
      if (judgement.valid) {
        const outcome = await rerunUncoveredInFull();
        if (outcome) return verdict({ valid: false, reasons: outcome, runs });
        judgement = judge();
      }
    } else {
      for (const state of STATES) {
        for (let repeat = 1; repeat <= repeats[state]; repeat++) {
          const outcome = await runState(state, repeats[state] + (state === 'run' ? 0 : plan.reruns));
          if (Array.isArray(outcome)) return verdict({ valid: false, reasons: outcome, runs });
        }
      }
      judgement = judge();
      const [firstTest, firstFix] = [results.test[0], results.fix[0]];
      // Reruns can only add reasons: a task already invalid on its full runs is not rerun.
      if (plan.reruns > 0 && judgement.valid && firstTest && firstFix) {
        addPriorRuns();
        const candidates = findFailToPassCandidates(firstTest.tests, firstFix.tests);
        // Without a filesCommand, or with nothing to point it at, the rerun is the whole suite.
        rerunFiles = gym.spec.test.filesCommand ? planDecidingFiles(decidingFiles, candidates) : [];
        for (let index = 0; index < reruns; index++) {
          // fix before test: a test whose outcome alternates run by run is then seen both ways in both states.
          for (const state of ['fix', 'test'] as const) {
            const outcome = await runState(state, repeats[state] + plan.reruns, rerunFiles.length > 0 ? rerunFiles : undefined);
            if (Array.isArray(outcome)) return verdict({ valid: false, reasons: outcome, runs });
          }
        }
        const outcome = await rerunUncoveredInFull();
        if (outcome) return verdict({ valid: false, reasons: outcome, runs });
        judgement = judge();
      }
    }
    if (plan.useFlakyRecord) {
      const known = new Set(knownFlaky);
      await recordFlakyTests(gym.directory, judgement.flakyTests.filter((id) => !known.has(id)));
    }
    return verdict({ ...judgement, runs, level });
  } finally {
    const released = releaseContainers();
    await reset(workdir, gym.commit).finally(() => released);
  }
}

/**
 * Runs of one state at once when not given: 2 when the one-minute load average leaves at least 1.5 of this machine's
 * cores free (a verification alone on a workstation), else 1 (a busy pipeline: its other verifications use the cores).
 */
export function chooseParallelRuns(cores = os.availableParallelism(), load = os.loadavg()[0] ?? 0): number {
  return cores - load >= 1.5 ? 2 : 1;
}

function resolveParallelRuns(requested: number | undefined): number {
  if (requested === undefined) return chooseParallelRuns();
  if (!Number.isInteger(requested) || requested < 1) {
    throw new SweMirrorError({
      code: 'VERIFY_PARALLEL_RUNS_INVALID',
      kind: 'user',
      message: `The number of suite runs at once must be a positive whole number, got ${requested}.`,
      hint: 'Pass --parallel-runs 1 (one run at a time) or 2 (each targeted rerun beside its state\'s full run).',
    });
  }
  return requested;
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
    ...(fields.rerunOnlyTests && fields.rerunOnlyTests.length > 0 ? { rerunOnlyTests: fields.rerunOnlyTests } : {}),
    runner: gym.spec.test.command,
    parser: gym.spec.test.report.format,
    level: fields.level ?? 'test',
    runs: fields.runs ?? [],
    sandbox: fields.sandbox ?? { isolated: false, unsafeNoSandbox: false, missing: ['not recorded'] },
    tests: fields.tests ?? {},
  };
}

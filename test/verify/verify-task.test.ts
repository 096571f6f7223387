import { suiteRunnerWithRunCounter } from '../support/changing-environment.js';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGymSpec } from '../../src/config/load-gym-spec.js';
import type { Verdict } from '../../src/core/records.js';
import { diffWorkingCopy, listPatchFiles } from '../../src/edits/patch.js';
import { prepareGym } from '../../src/gym/prepare.js';
import { runSuite } from '../../src/gym/run-suite.js';
import type { PreparedGym } from '../../src/gym/types.js';
import { createLocalRuntime } from '../../src/runtime/local.js';
import { flakyRecordPath, readKnownFlakyTests } from '../../src/verify/flaky-record.js';
import { verifyTask, type VerifyEvent } from '../../src/verify/verify-task.js';
import { git, removeDirectory } from './support/git-repo.js';
import { buildCalcTasks, createCalcGym } from './support/pytest-gym.js';

const runtime = createLocalRuntime();
const once = { run: 1, test: 1, fix: 1 };
let source: string;
let dataDirectory: string;
let gym: PreparedGym;
let tasks: ReturnType<typeof buildCalcTasks>;

beforeAll(async () => {
  source = createCalcGym();
  tasks = buildCalcTasks(source);
  dataDirectory = mkdtempSync(path.join(os.tmpdir(), 'swe-mirror-verify-data-'));
  gym = await prepareGym(await loadGymSpec(path.join(source, 'gym.yaml')), { dataDirectory, runtime });
});

afterAll(() => {
  removeDirectory(source);
  removeDirectory(dataDirectory);
});

const rules = (verdict: Verdict): string[] => verdict.reasons.map((reason) => reason.rule);
const id = (name: string): string => `tests/test_calc.py::${name}`;

function expectPristine(): void {
  expect(git(gym.workdir, 'status', '--porcelain')).toBe('');
  expect(git(gym.workdir, 'rev-parse', 'HEAD').trim()).toBe(gym.commit);
}


/** runSuite, except that targeted reruns (runs given files) do not report `missed`: a filesCommand that misses it. */
function suiteRunnerWhoseRerunsMiss(missed: string): NonNullable<Parameters<typeof verifyTask>[2]>['runSuite'] {
  return async (preparedGym, options) => {
    const suite = await runSuite(preparedGym, options);
    if (!options.files) return suite;
    const { [missed]: _missed, ...others } = suite.report.tests;
    return { ...suite, report: { ...suite.report, tests: others } };
  };
}
describe('verifyTask on a real pytest gym', () => {
  it('accepts a valid task at the default cost: each state once in full, then test.patch\'s files rerun in fix and test, each on a fresh working copy holding exactly its patches', async () => {
    const events: VerifyEvent[] = [];
    const seen: string[][] = [];
    const scopes: Array<string[] | undefined> = [];
    const logDirectory = mkdtempSync(path.join(os.tmpdir(), 'swe-mirror-verify-logs-'));
    const verdict = await verifyTask(gym, tasks.valid, {
      runtime,
      // One run at a time, so the order below is fixed (the default runs reruns beside full runs when a core is free).
      parallelRuns: 1,
      logDirectory,
      onEvent: (event) => events.push(event),
      runSuite: async (preparedGym, options) => {
        seen.push(listPatchFiles(await diffWorkingCopy(options.workdir)).sort());
        scopes.push(options.files);
        return runSuite(preparedGym, options);
      },
    });
    expect(verdict.reasons).toEqual([]);
    expect(verdict.valid).toBe(true);
    expect(verdict.FAIL_TO_PASS).toEqual([id('test_clamp_above')]);
    expect(verdict.PASS_TO_PASS).toEqual([id('test_add'), id('test_clamp_inside')]);
    expect(verdict.tests[id('test_clamp_above')]).toEqual({ run: 'NONE', test: 'FAILED', fix: 'PASSED' });
    expect(verdict.runs.map((run) => `${run.state}${run.repeat}`)).toEqual(['run1', 'test1', 'fix1', 'fix2', 'test2']);
    // The reruns run only the deciding tests' file, through the gym's filesCommand.
    expect(scopes).toEqual([undefined, undefined, undefined, ['tests/test_calc.py'], ['tests/test_calc.py']]);
    expect(verdict.runs.map((run) => run.files)).toEqual([undefined, undefined, undefined, ['tests/test_calc.py'], ['tests/test_calc.py']]);
    const mirrored = ['calc/__init__.py'];
    const tested = ['calc/__init__.py', 'tests/test_calc.py'];
    // fix = mirror + test + inverse of mirror: only the test change is left.
    const fixed = ['tests/test_calc.py'];
    expect(seen).toEqual([mirrored, tested, fixed, fixed, tested]);
    for (const run of verdict.runs) {
      expect(run.hasEvidence).toBe(true);
      expect(run.durationMs).toBeGreaterThan(0);
      expect(existsSync(run.logPath as string)).toBe(true);
    }
    expect(verdict.runs.map((run) => path.basename(run.logPath ?? ''))).toEqual(['run-1.log', 'test-1.log', 'fix-1.log', 'fix-2.log', 'test-2.log']);
    expect(verdict.runner).toBe('python -m pytest -rA -p no:cacheprovider');
    expect(verdict.parser).toBe('pytest-ra');
    expect(events.filter((event) => event.type === 'run-done')).toHaveLength(5);
    removeDirectory(logDirectory);
    expectPristine();
  });

  it('rejects a task whose hidden test passes with the bug (fix-fixes), and in strict mode also tests-only-add', async () => {
    const verdict = await verifyTask(gym, tasks['no-fail-to-pass'], { runtime, repeats: once });
    expect(rules(verdict)).toEqual(['fix-fixes']);
    expect(verdict.newButNotFailing).toEqual([id('test_clamp_below')]);
    expect(verdict.reasons[0]?.tests).toEqual([id('test_clamp_below')]);
    const strict = await verifyTask(gym, tasks['no-fail-to-pass'], { runtime, repeats: once, strict: true });
    expect(rules(strict)).toEqual(['tests-only-add', 'fix-fixes']);
  });

  it('rejects a test.patch that changes an existing test (tests-only-add) and still reports FAIL_TO_PASS', async () => {
    const verdict = await verifyTask(gym, tasks['changes-existing'], { runtime, repeats: once });
    expect(rules(verdict)).toEqual(['tests-only-add']);
    expect(verdict.reasons[0]).toEqual({
      rule: 'tests-only-add',
      message: 'test.patch changed what tests do (run → test): PASSED→FAILED (1).',
      tests: [id('test_clamp_inside')],
    });
    expect(verdict.FAIL_TO_PASS).toEqual([id('test_clamp_above'), id('test_clamp_inside')]);
  });

  it('rejects a given fix.patch that regresses another test (no-regressions)', async () => {
    const verdict = await verifyTask(gym, tasks['fix-regresses'], { runtime, repeats: once });
    expect(rules(verdict)).toEqual(['no-regressions']);
    expect(verdict.reasons[0]?.tests).toEqual([id('test_add')]);
    expect(verdict.FAIL_TO_PASS).toEqual([id('test_clamp_above')]);
    expectPristine();
  });

  it('serialises concurrent verifications of one working copy, so each verdict stays right', async () => {
    const [valid, changed] = await Promise.all([
      verifyTask(gym, tasks.valid, { runtime, repeats: once }),
      verifyTask(gym, tasks['changes-existing'], { runtime, repeats: once }),
    ]);
    expect(rules(valid)).toEqual([]);
    expect(rules(changed)).toEqual(['tests-only-add']);
    expectPristine();
  });

  it('catches a flaky new test through the targeted reruns (no-flakiness), keeps it out of FAIL_TO_PASS and records it for the gym', async () => {
    // On its full runs alone test_coin looks like FAIL_TO_PASS (FAILED in test, PASSED in fix).
    const single = await verifyTask(gym, tasks.flaky, { runtime, repeats: once, reruns: 0, useFlakyRecord: false, runSuite: suiteRunnerWithRunCounter('.counter') });
    expect(single.valid).toBe(true);
    expect(single.FAIL_TO_PASS).toEqual([id('test_clamp_above'), id('test_coin')]);

    const verdict = await verifyTask(gym, tasks.flaky, { runtime, useFlakyRecord: false, runSuite: suiteRunnerWithRunCounter('.counter') });
    expect(rules(verdict)).toEqual(['no-flakiness']);
    expect(verdict.flakyTests).toEqual([id('test_coin')]);
    expect(verdict.FAIL_TO_PASS).toEqual([id('test_clamp_above')]);
    expect(verdict.runs).toHaveLength(5);

    const full = await verifyTask(gym, tasks.flaky, { runtime, repeats: { run: 1, test: 2, fix: 2 }, useFlakyRecord: false, runSuite: suiteRunnerWithRunCounter('.counter') });
    expect(rules(full)).toEqual(['no-flakiness']);
    expect(full.runs.every((run) => run.files === undefined)).toBe(true);
  });

  it('with two runs at once, runs each targeted rerun beside its state\'s full run: same verdicts, flaky tests still caught', async () => {
    const scopes: Array<string[] | undefined> = [];
    const valid = await verifyTask(gym, tasks.valid, {
      runtime,
      parallelRuns: 2,
      useFlakyRecord: false,
      runSuite: (preparedGym, options) => {
        scopes.push(options.files);
        return runSuite(preparedGym, options);
      },
    });
    expect(valid.reasons).toEqual([]);
    expect(valid.FAIL_TO_PASS).toEqual([id('test_clamp_above')]);
    expect(valid.PASS_TO_PASS).toEqual([id('test_add'), id('test_clamp_inside')]);
    expect(valid.runs.map((run) => `${run.state}${run.repeat}${run.files ? ' files' : ''}`)).toEqual(['run1', 'test1', 'test2 files', 'fix1', 'fix2 files']);
    expect(scopes).toEqual([undefined, undefined, ['tests/test_calc.py'], undefined, ['tests/test_calc.py']]);
    expectPristine();

    const flaky = await verifyTask(gym, tasks.flaky, { runtime, parallelRuns: 2, useFlakyRecord: false, runSuite: suiteRunnerWithRunCounter('.counter') });
    expect(rules(flaky)).toEqual(['no-flakiness']);
    expect(flaky.flakyTests).toEqual([id('test_coin')]);
    expect(flaky.FAIL_TO_PASS).toEqual([id('test_clamp_above')]);

    // Invalid on its full runs: judged on them alone, as one run at a time would (the reruns ran, and are listed).
    const changed = await verifyTask(gym, tasks['changes-existing'], { runtime, parallelRuns: 2, useFlakyRecord: false });
    const sequential = await verifyTask(gym, tasks['changes-existing'], { runtime, parallelRuns: 1, useFlakyRecord: false });
    expect(changed.reasons).toEqual(sequential.reasons);
    expect(changed.runs).toHaveLength(5);
    expect(sequential.runs).toHaveLength(3);

    // A targeted rerun that misses a candidate still sends its state to a full rerun.
    const dropped = await verifyTask(gym, tasks.valid, {
      runtime,
      parallelRuns: 2,
      useFlakyRecord: false,
      runSuite: suiteRunnerWhoseRerunsMiss(id('test_clamp_above')),
    });
    expect(dropped.valid).toBe(true);
    expect(dropped.runs.map((run) => `${run.state}${run.repeat}${run.files ? ' files' : ''}`)).toEqual(['run1', 'test1', 'test2 files', 'fix1', 'fix2 files', 'fix3', 'test3']);
  });

  it('takes prior runs of the test and fix trees (the mirror stage\'s) as the first targeted reruns: 3 suite runs, flakiness still judged', async () => {
    const newTest = id('test_clamp_above');
    const steady = { test: { tests: { [newTest]: 'FAILED' as const }, hasEvidence: true }, fix: { tests: { [newTest]: 'PASSED' as const }, hasEvidence: true } };
    const valid = await verifyTask(gym, tasks.valid, { runtime, parallelRuns: 1, useFlakyRecord: false, priorRuns: steady });
    expect(valid.reasons).toEqual([]);
    expect(valid.FAIL_TO_PASS).toEqual([newTest]);
    expect(valid.runs.map((run) => `${run.state}${run.repeat}`)).toEqual(['run1', 'test1', 'fix1']);
    // A prior run that saw the new test pass in the test tree makes it flaky, as a rerun would.
    const flipped = await verifyTask(gym, tasks.valid, { runtime, parallelRuns: 2, useFlakyRecord: false, priorRuns: { ...steady, test: { tests: { [newTest]: 'PASSED' }, hasEvidence: true } } });
    expect(rules(flipped)).toEqual(['fix-fixes', 'no-flakiness']);
    expect(flipped.flakyTests).toEqual([newTest]);
  });

  it('reruns a state in full when its targeted rerun does not report a FAIL_TO_PASS candidate', async () => {
    // A filesCommand that misses the candidate (its id names no file the plan could point at) is simulated by dropping it.
    const verdict = await verifyTask(gym, tasks.valid, {
      runtime,
      parallelRuns: 1,
      useFlakyRecord: false,
      runSuite: suiteRunnerWhoseRerunsMiss(id('test_clamp_above')),
    });
    expect(verdict.valid).toBe(true);
    expect(verdict.runs.map((run) => `${run.state}${run.repeat}${run.files ? ' files' : ''}`)).toEqual(['run1', 'test1', 'fix1', 'fix2 files', 'test2 files', 'fix3', 'test3']);
  });

  it('keeps a per-gym record of tests seen flaky: a later verification rejects the same new test even when it holds still', async () => {
    rmSync(flakyRecordPath(gym.directory), { force: true });
    await verifyTask(gym, tasks.flaky, { runtime, runSuite: suiteRunnerWithRunCounter('.counter') });
    expect(await readKnownFlakyTests(gym.directory)).toEqual([id('test_coin')]);
    // Without the counter file test_coin always passes: no run can show it flaky, only the record.
    const later = await verifyTask(gym, tasks.flaky, { runtime, repeats: once, reruns: 0 });
    expect(rules(later)).toEqual(['no-flakiness']);
    expect(later.reasons[0]?.message).toContain('seen flaky in an earlier verification of this gym');
    rmSync(flakyRecordPath(gym.directory), { force: true });
  });
});

describe('verifyTask sanity checks (no suite runs)', () => {
  const failingRunner = async (): Promise<never> => {
    throw new Error('the suite must not run when sanity fails');
  };

  it('rejects a mirror.patch that touches a test file, naming the file', async () => {
    const verdict = await verifyTask(gym, tasks['mirror-touches-tests'], { runtime, runSuite: failingRunner });
    expect(verdict.valid).toBe(false);
    expect(verdict.reasons).toEqual([
      {
        rule: 'sanity',
        message: 'mirror.patch must change only non-test files, but it changes test files: tests/helpers.py.',
        tests: [],
        files: ['tests/helpers.py'],
      },
    ]);
    expect(verdict.runs).toEqual([]);
  });

  it('rejects a test.patch that changes source files', async () => {
    const verdict = await verifyTask(gym, { mirror: tasks.valid.mirror, test: tasks.valid.mirror }, { runtime, runSuite: failingRunner });
    expect(verdict.reasons.map((reason) => reason.message)).toEqual([
      'test.patch must change only test files, but it changes non-test files: calc/__init__.py.',
    ]);
  });

  it('rejects a patch that escapes the repository and writes nothing outside it', async () => {
    const escaping = `${tasks.valid.mirror}diff --git a/../outside.txt b/../outside.txt\nnew file mode 100644\n--- /dev/null\n+++ b/../outside.txt\n@@ -0,0 +1 @@\n+escaped\n`;
    const verdict = await verifyTask(gym, { mirror: escaping, test: tasks.valid.test }, { runtime, runSuite: failingRunner });
    expect(rules(verdict)).toEqual(['sanity']);
    expect(verdict.reasons[0]?.message).toBe('mirror.patch touches "../outside.txt", which climbs out with "..".');
    expect(verdict.reasons[0]?.files).toEqual(['../outside.txt']);
    expect(existsSync(path.join(path.dirname(gym.workdir), 'outside.txt'))).toBe(false);
    expectPristine();
  });

  it('rejects patches that do not apply in order, saying which and after what', async () => {
    const stale = tasks.valid.test.replace(" assert clamp(5, 0, 10) == 5", " assert clamp(6, 0, 10) == 6");
    const verdict = await verifyTask(gym, { mirror: tasks.valid.mirror, test: stale }, { runtime, runSuite: failingRunner });
    expect(rules(verdict)).toEqual(['sanity']);
    expect(verdict.reasons[0]?.message).toMatch(/^test\.patch must apply after mirror\.patch: test\.patch does not apply: hunk "@@ .*" of tests\/test_calc\.py/);
    expect(verdict.reasons[0]?.files).toEqual(['tests/test_calc.py']);
    const empty = await verifyTask(gym, { mirror: '', test: tasks.valid.test }, { runtime, runSuite: failingRunner });
    expect(empty.reasons.map((reason) => reason.message)).toEqual(['mirror.patch is empty: it changes no file.']);
    expectPristine();
  });
});

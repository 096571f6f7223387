import { describe, expect, it } from 'vitest';
import type { TestStatusMap } from '../../src/core/tests.js';
import { judgeTask, type JudgeInput, type StateRunResult } from '../../src/verify/judge.js';

const ran = (tests: TestStatusMap): StateRunResult => ({ tests, hasEvidence: true });

/** One run of `run`, `repeats` identical runs of test and fix. */
function stable(run: TestStatusMap, test: TestStatusMap, fix: TestStatusMap, repeats = 3): JudgeInput {
  return {
    runs: {
      run: [ran(run)],
      test: Array.from({ length: repeats }, () => ran(test)),
      fix: Array.from({ length: repeats }, () => ran(fix)),
    },
    quarantined: [],
  };
}

// A typical valid task: `old` keeps passing, `base_fail` fails everywhere, `new` is F2P, `extra` is new but not failing.
const valid = stable(
  { old: 'PASSED', base_fail: 'FAILED', skipped: 'SKIPPED' },
  { old: 'PASSED', base_fail: 'FAILED', skipped: 'SKIPPED', new: 'FAILED', extra: 'PASSED' },
  { old: 'PASSED', base_fail: 'FAILED', skipped: 'SKIPPED', new: 'PASSED', extra: 'PASSED' },
);

describe('judgeTask', () => {
  it('accepts clean transitions and computes FAIL_TO_PASS, PASS_TO_PASS and new-but-not-failing', () => {
    const judgement = judgeTask(valid);
    expect(judgement).toEqual({
      valid: true,
      reasons: [],
      FAIL_TO_PASS: ['new'],
      PASS_TO_PASS: ['extra', 'old'],
      newButNotFailing: ['extra'],
      flakyTests: [],
      quarantinedTests: [],
      tests: {
        base_fail: { run: 'FAILED', test: 'FAILED', fix: 'FAILED' },
        extra: { run: 'NONE', test: 'PASSED', fix: 'PASSED' },
        new: { run: 'NONE', test: 'FAILED', fix: 'PASSED' },
        old: { run: 'PASSED', test: 'PASSED', fix: 'PASSED' },
        skipped: { run: 'SKIPPED', test: 'SKIPPED', fix: 'SKIPPED' },
      },
    });
  });

  it('strict mode refuses new tests that pass even with the bug (rule 1)', () => {
    const judgement = judgeTask({ ...valid, strict: true });
    expect(judgement.valid).toBe(false);
    expect(judgement.reasons).toEqual([
      {
        rule: 'tests-only-add',
        message: 'new tests pass even with the bug (NONE→PASSED, refused in strict mode): 1.',
        tests: ['extra'],
      },
    ]);
    expect(judgement.newButNotFailing).toEqual(['extra']);
  });

  it.each([
    ['PASSED', 'FAILED'],
    ['PASSED', 'NONE'],
    ['FAILED', 'PASSED'],
    ['FAILED', 'NONE'],
    ['SKIPPED', 'PASSED'],
    ['SKIPPED', 'FAILED'],
    ['PASSED', 'SKIPPED'],
    ['NONE', 'SKIPPED'],
  ] as const)('rule 1 refuses %s → %s between run and test', (before, after) => {
    // new_f2p keeps the task otherwise valid, so only `changed` breaks a rule.
    const run: TestStatusMap = {};
    const test: TestStatusMap = { new_f2p: 'FAILED' };
    const fix: TestStatusMap = { new_f2p: 'PASSED' };
    if (before !== 'NONE') run.changed = before;
    if (after !== 'NONE') test.changed = after;
    if (after !== 'NONE') fix.changed = after;
    const judgement = judgeTask(stable(run, test, fix));
    expect(judgement.reasons.map((reason) => reason.rule)).toEqual(['tests-only-add']);
    expect(judgement.reasons[0]).toEqual({
      rule: 'tests-only-add',
      message: `test.patch changed what tests do (run → test): ${before}→${after} (1).`,
      tests: ['changed'],
    });
    expect(judgement.FAIL_TO_PASS).toEqual(['new_f2p']);
  });

  it('rule 1 counts a test.patch that breaks the build: every existing test goes NONE', () => {
    const judgement = judgeTask(stable({ a: 'PASSED', b: 'PASSED', c: 'FAILED' }, {}, { a: 'PASSED', b: 'PASSED', c: 'FAILED' }));
    expect(judgement.reasons).toEqual([
      { rule: 'tests-only-add', message: 'test.patch changed what tests do (run → test): PASSED→NONE (2), FAILED→NONE (1).', tests: ['a', 'b', 'c'] },
      { rule: 'fix-fixes', message: 'No test goes FAILED (test) → PASSED (fix), and test.patch adds no test that runs.', tests: [] },
    ]);
  });

  it('rule 2 refuses a task where nothing goes FAILED → PASSED, naming the added tests', () => {
    const judgement = judgeTask(stable({ old: 'PASSED' }, { old: 'PASSED', added: 'PASSED' }, { old: 'PASSED', added: 'PASSED' }));
    expect(judgement.reasons).toEqual([
      { rule: 'fix-fixes', message: 'No test goes FAILED (test) → PASSED (fix): the 1 test(s) test.patch adds do not catch the bug.', tests: ['added'] },
    ]);
    expect(judgement.newButNotFailing).toEqual(['added']);
    expect(judgement.FAIL_TO_PASS).toEqual([]);
  });

  it('rule 2 does not count a new test that fails in every state', () => {
    const judgement = judgeTask(stable({}, { added: 'FAILED' }, { added: 'FAILED' }));
    expect(judgement.reasons.map((reason) => reason.rule)).toEqual(['fix-fixes']);
  });

  it('rule 3 refuses PASSED→PASSED→FAILED, SKIPPED→SKIPPED→FAILED and PASSED in test but NONE in fix', () => {
    const judgement = judgeTask(
      stable(
        { broken: 'PASSED', skipped: 'SKIPPED', vanished: 'PASSED', baseline_failing: 'FAILED' },
        { broken: 'PASSED', skipped: 'SKIPPED', vanished: 'PASSED', baseline_failing: 'FAILED', new: 'FAILED' },
        { broken: 'FAILED', skipped: 'FAILED', baseline_failing: 'FAILED', new: 'PASSED' },
      ),
    );
    expect(judgement.reasons).toEqual([
      {
        rule: 'no-regressions',
        message:
          'The fix breaks tests that passed (or were skipped) before it (run → test → fix): PASSED→PASSED→FAILED (1), PASSED→PASSED→NONE (1), SKIPPED→SKIPPED→FAILED (1).',
        tests: ['broken', 'skipped', 'vanished'],
      },
    ]);
    expect(judgement.FAIL_TO_PASS).toEqual(['new']);
  });

  it('rule 3 also catches a new test that passes with the bug and fails with the fix', () => {
    const judgement = judgeTask(stable({}, { new: 'FAILED', odd: 'PASSED' }, { new: 'PASSED', odd: 'FAILED' }));
    expect(judgement.reasons).toEqual([
      { rule: 'no-regressions', message: 'The fix breaks tests that passed (or were skipped) before it (run → test → fix): NONE→PASSED→FAILED (1).', tests: ['odd'] },
    ]);
  });

  it('rule 4 refuses flaky tests that would be in FAIL_TO_PASS or PASS_TO_PASS and keeps them out of both lists', () => {
    const input = stable({ old: 'PASSED' }, { old: 'PASSED', new: 'FAILED' }, { old: 'PASSED', new: 'PASSED' });
    input.runs.test = [ran({ old: 'PASSED', new: 'FAILED', coin: 'PASSED' }), ran({ old: 'PASSED', new: 'FAILED', coin: 'FAILED' })];
    input.runs.fix = [ran({ old: 'PASSED', new: 'PASSED', coin: 'FAILED' }), ran({ old: 'PASSED', new: 'PASSED', coin: 'PASSED' })];
    const judgement = judgeTask(input);
    expect(judgement.reasons).toEqual([
      {
        rule: 'no-flakiness',
        message: '1 test(s) in FAIL_TO_PASS or PASS_TO_PASS changed status between repeats: coin (run: NONE; test: PASSED,FAILED; fix: FAILED,PASSED).',
        tests: ['coin'],
      },
    ]);
    expect(judgement.flakyTests).toEqual(['coin']);
    expect(judgement.FAIL_TO_PASS).toEqual(['new']);
    expect(judgement.PASS_TO_PASS).toEqual(['old']);
  });

  it('rule 4 catches flakiness in the run state of a PASS_TO_PASS test', () => {
    const input = stable({ old: 'PASSED' }, { old: 'PASSED', new: 'FAILED' }, { old: 'PASSED', new: 'PASSED' });
    input.runs.run = [ran({ old: 'PASSED' }), ran({ old: 'FAILED' })];
    expect(judgeTask(input).reasons.map((reason) => reason.rule)).toEqual(['no-flakiness']);
  });

  it('reports flaky tests outside FAIL_TO_PASS and PASS_TO_PASS without rejecting', () => {
    const input = stable({ old: 'PASSED' }, { old: 'PASSED', new: 'FAILED' }, { old: 'PASSED', new: 'PASSED' });
    input.runs.fix = [ran({ old: 'PASSED', new: 'PASSED', noisy: 'FAILED' }), ran({ old: 'PASSED', new: 'PASSED' })];
    const judgement = judgeTask(input);
    expect(judgement.valid).toBe(true);
    expect(judgement.flakyTests).toEqual(['noisy']);
  });

  it('excludes quarantined tests from every rule and reports them', () => {
    // shaky would break rules 1, 3 and 4 if it were not quarantined.
    const input = stable({ old: 'PASSED', shaky: 'PASSED' }, { old: 'PASSED', new: 'FAILED' }, { old: 'PASSED', new: 'PASSED' });
    input.runs.test = [ran({ old: 'PASSED', shaky: 'FAILED', new: 'FAILED' }), ran({ old: 'PASSED', shaky: 'PASSED', new: 'FAILED' })];
    input.quarantined = ['shaky', 'not_seen_here'];
    const judgement = judgeTask(input);
    expect(judgement.valid).toBe(true);
    expect(judgement.quarantinedTests).toEqual(['shaky']);
    expect(judgement.flakyTests).toEqual([]);
    expect(judgement.tests.shaky).toEqual({ run: 'PASSED', test: 'FAILED', fix: 'NONE' });
    expect(judgement.PASS_TO_PASS).toEqual(['old']);
  });

  it('names every failed rule at once', () => {
    const input = stable({ a: 'PASSED', b: 'PASSED' }, { a: 'FAILED', b: 'PASSED' }, { a: 'FAILED', b: 'FAILED' });
    expect(judgeTask(input).reasons.map((reason) => reason.rule)).toEqual(['tests-only-add', 'fix-fixes', 'no-regressions']);
  });

  it('turns a run with no evidence, a timeout or an out-of-memory kill into an infrastructure failure, not absent tests', () => {
    const input = stable({ old: 'PASSED' }, { old: 'PASSED', new: 'FAILED' }, { old: 'PASSED', new: 'PASSED' });
    input.runs.test[1] = { tests: {}, hasEvidence: false };
    input.runs.test[2] = { tests: {}, hasEvidence: false };
    input.runs.fix[0] = { tests: { old: 'PASSED' }, hasEvidence: true, timedOut: true };
    input.runs.run[0] = { tests: {}, hasEvidence: false, outOfMemory: true };
    const judgement = judgeTask(input);
    expect(judgement.valid).toBe(false);
    expect(judgement.reasons).toEqual([
      { rule: 'infrastructure', message: 'State run: the suite ran out of memory and was killed (repeat 1 of 1).', tests: [] },
      {
        rule: 'infrastructure',
        message: 'State test: no evidence that the suite ran (repeats 2, 3 of 3); the test command or its report failed before any test result.',
        tests: [],
      },
      { rule: 'infrastructure', message: 'State fix: the suite hit its time limit and was killed (repeat 1 of 3).', tests: [] },
    ]);
    expect(judgement.FAIL_TO_PASS).toEqual([]);
  });

  it('needs at least one run per state', () => {
    expect(() => judgeTask({ runs: { run: [], test: [ran({})], fix: [ran({})] }, quarantined: [] })).toThrow(RangeError);
  });
});

import { describe, expect, it } from 'vitest';
import type { TestStatusMap } from '../../src/core/tests.js';
import { judgeTask, type StateRunResult } from '../../src/verify/judge.js';

const ran = (tests: TestStatusMap): StateRunResult => ({ tests, hasEvidence: true });
const rerun = (tests: TestStatusMap): StateRunResult => ({ tests, hasEvidence: true, isPartial: true });
const rules = (judgement: ReturnType<typeof judgeTask>): string[] => judgement.reasons.map((reason) => reason.rule);

// Go's shape of a real fix: an existing table test gains a failing subtest (go test -json names parent and child).
const P = 'example.com/lib::TestParse';
const parentGainsSubtest = {
  run: [ran({ [P]: 'PASSED', [`${P}/plain`]: 'PASSED', 'example.com/lib::TestOther': 'PASSED' })],
  test: [ran({ [P]: 'FAILED', [`${P}/plain`]: 'PASSED', [`${P}/with_dots`]: 'FAILED', 'example.com/lib::TestOther': 'PASSED' })],
  fix: [ran({ [P]: 'PASSED', [`${P}/plain`]: 'PASSED', [`${P}/with_dots`]: 'PASSED', 'example.com/lib::TestOther': 'PASSED' })],
};

describe('judgeTask: Go parent tests that gained subtests', () => {
  it('does not count a parent whose only change is new (failing) subtests against tests-only-add; it joins FAIL_TO_PASS with them', () => {
    const judgement = judgeTask({ runs: parentGainsSubtest, quarantined: [], subtestSeparator: '/' });
    expect(judgement.reasons).toEqual([]);
    expect(judgement.FAIL_TO_PASS).toEqual([P, `${P}/with_dots`]);
    expect(judgement.PASS_TO_PASS).toEqual(['example.com/lib::TestOther', `${P}/plain`]);
  });

  it('without the subtest separator (other runners) the same statuses are a PASSED→FAILED violation', () => {
    const judgement = judgeTask({ runs: parentGainsSubtest, quarantined: [] });
    expect(rules(judgement)).toEqual(['tests-only-add']);
    expect(judgement.reasons[0]?.tests).toEqual([P]);
  });

  it('still rejects a parent whose existing subtest changed, and one that failed without any new failing subtest', () => {
    const existingChanged = {
      ...parentGainsSubtest,
      test: [ran({ [P]: 'FAILED', [`${P}/plain`]: 'FAILED', [`${P}/with_dots`]: 'FAILED', 'example.com/lib::TestOther': 'PASSED' })],
    };
    const judgement = judgeTask({ runs: existingChanged, quarantined: [], subtestSeparator: '/' });
    expect(rules(judgement)).toEqual(['tests-only-add']);
    expect(judgement.reasons[0]?.tests).toEqual([P, `${P}/plain`]);

    // A table test that gained rows without t.Run: nothing in the results says the old rows still pass.
    const rowsOnly = {
      run: [ran({ [P]: 'PASSED' })],
      test: [ran({ [P]: 'FAILED', [`${P}/with_dots`]: 'PASSED' })],
      fix: [ran({ [P]: 'PASSED', [`${P}/with_dots`]: 'PASSED' })],
    };
    expect(rules(judgeTask({ runs: rowsOnly, quarantined: [], subtestSeparator: '/' }))).toEqual(['tests-only-add']);
  });
});

describe('judgeTask: targeted reruns', () => {
  const full = {
    run: [ran({ old: 'PASSED', other: 'PASSED' })],
    test: [ran({ old: 'PASSED', other: 'PASSED', new: 'FAILED' })],
    fix: [ran({ old: 'PASSED', other: 'PASSED', new: 'PASSED' })],
  };

  it('reads a test absent from a partial rerun as not rerun, not as NONE', () => {
    const runs = { ...full, test: [...full.test, rerun({ new: 'FAILED' })], fix: [...full.fix, rerun({ new: 'PASSED' })] };
    const judgement = judgeTask({ runs, quarantined: [] });
    expect(judgement.valid).toBe(true);
    expect(judgement.flakyTests).toEqual([]);
    expect(judgement.PASS_TO_PASS).toEqual(['old', 'other']);
  });

  it('catches a deciding test whose rerun disagrees with its full run', () => {
    const runs = { ...full, test: [...full.test, rerun({ new: 'FAILED' })], fix: [...full.fix, rerun({ new: 'FAILED' })] };
    const judgement = judgeTask({ runs, quarantined: [] });
    expect(rules(judgement)).toEqual(['fix-fixes', 'no-flakiness']);
    expect(judgement.flakyTests).toEqual(['new']);
  });

  it('sets aside names only reruns report (ava drops the file from a one-file run), never calling them flaky', () => {
    // ava names `file › title` in a full run and `title` alone when it runs one file: the reruns share no name.
    const runs = {
      ...full,
      test: [...full.test, rerun({ 'new (one file)': 'FAILED' })],
      fix: [...full.fix, rerun({ 'new (one file)': 'PASSED' })],
    };
    const judgement = judgeTask({ runs, quarantined: [] });
    expect(judgement.valid).toBe(true);
    expect(judgement.flakyTests).toEqual([]);
    expect(judgement.rerunOnlyTests).toEqual(['new (one file)']);
    expect(Object.keys(judgement.tests)).not.toContain('new (one file)');
    expect(judgement.FAIL_TO_PASS).toEqual(['new']);
  });

  it('still calls a test flaky when one state\'s full run lacks it and that state\'s rerun reports it', () => {
    const runs = { ...full, test: [ran({ old: 'PASSED', other: 'PASSED' }), rerun({ new: 'FAILED' })], fix: [...full.fix, rerun({ new: 'PASSED' })] };
    const judgement = judgeTask({ runs, quarantined: [] });
    expect(judgement.flakyTests).toEqual(['new']);
    expect(judgement.rerunOnlyTests).toBeUndefined();
  });
});

describe('judgeTask: tests seen flaky in earlier verifications', () => {
  const runs = {
    run: [ran({ old: 'PASSED', timing: 'PASSED' })],
    test: [ran({ old: 'PASSED', timing: 'PASSED', new: 'FAILED' })],
    fix: [ran({ old: 'PASSED', timing: 'PASSED', new: 'PASSED' })],
  };

  it('quarantines a gym test the record names (it was already there in run)', () => {
    const judgement = judgeTask({ runs, quarantined: [], knownFlaky: ['timing'] });
    expect(judgement.valid).toBe(true);
    expect(judgement.quarantinedTests).toEqual(['timing']);
    expect(judgement.PASS_TO_PASS).toEqual(['old']);
  });

  it('rejects a task whose own new test the record names, even when it held still this time', () => {
    const judgement = judgeTask({ runs, quarantined: [], knownFlaky: ['new'] });
    expect(rules(judgement)).toContain('no-flakiness');
    expect(judgement.reasons.find((reason) => reason.rule === 'no-flakiness')?.message).toContain('seen flaky in an earlier verification of this gym');
  });
});

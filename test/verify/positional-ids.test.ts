import { describe, expect, it } from 'vitest';
import { parseReport } from '../../src/reports/index.js';
import { judgeTask } from '../../src/verify/judge.js';
import { alignPositionalIds } from '../../src/verify/positional-ids.js';
import { readCapture } from '../reports/captured-output.js';

// Real mocha 10.8 runs of sources/js-mocha-positional: "test" inserts one failing
// `should be deeply equivalent` above three others of the same name (the qs case).
const parse = (state: 'run' | 'test'): Record<string, 'PASSED' | 'FAILED' | 'SKIPPED'> =>
  parseReport('mocha', { stdout: readCapture(`mocha-positional/${state}-stdout.txt`), stderr: '', rootDirectory: `/tmp/rcap/mpos-${state}` }).tests;
const NAME = 'test/equal.test.js > equal should be deeply equivalent';

describe('positional ids across states (mocha 10.8, real captures)', () => {
  it('the parser alone shifts every later number when one same-named test is inserted early', () => {
    expect(parse('run')[`${NAME} [3]`]).toBe('FAILED');
    expect(parse('test')[`${NAME} [3]`]).toBe('PASSED');
  });

  it('alignment gives the run state the ids its tests have in the test state', () => {
    expect(alignPositionalIds(parse('test'), parse('run'))).toEqual({
      [NAME]: 'PASSED',
      'test/equal.test.js > equal parses arrays': 'PASSED',
      [`${NAME} [3]`]: 'PASSED',
      [`${NAME} [4]`]: 'FAILED',
    });
  });

  it('the judge sees one new failing test, not a chain of PASSED→FAILED violations', () => {
    const run = { tests: parse('run'), hasEvidence: true };
    const test = { tests: parse('test'), hasEvidence: true };
    const fixed = { tests: { ...parse('test'), [`${NAME} [2]`]: 'PASSED' as const }, hasEvidence: true };
    const judgement = judgeTask({ runs: { run: [run], test: [test], fix: [fixed] }, quarantined: [] });
    expect(judgement.reasons).toEqual([]);
    expect(judgement.FAIL_TO_PASS).toEqual([`${NAME} [2]`]);
    expect(judgement.tests[`${NAME} [4]`]).toEqual({ run: 'FAILED', test: 'FAILED', fix: 'FAILED' });
  });
});

import type { TestStatus, TestStatusMap } from '../core/tests.js';

/** The two states re-verification runs: buggy commit + test.patch, then + the fix. */
export type ValidationState = 'before-fix' | 'after-fix';

/** One listed test whose fresh status contradicts the exported record. */
export interface TestDisagreement {
  test: string;
  /** Which list named it. */
  list: 'FAIL_TO_PASS' | 'PASS_TO_PASS';
  state: ValidationState;
  /** `fail`: anything but PASSED; `pass`: PASSED. */
  expected: 'fail' | 'pass';
  got: TestStatus;
}

/**
 * What the record claims, checked against one run: before the fix, FAIL_TO_PASS must not pass
 * (FAILED, SKIPPED or NONE) and PASS_TO_PASS must pass; after the fix, both must pass.
 */
export function compareStatuses(
  state: ValidationState,
  lists: { FAIL_TO_PASS: readonly string[]; PASS_TO_PASS: readonly string[] },
  tests: TestStatusMap,
): TestDisagreement[] {
  const disagreements: TestDisagreement[] = [];
  const statusOf = (test: string): TestStatus => tests[test] ?? 'NONE';
  for (const test of lists.FAIL_TO_PASS) {
    const got = statusOf(test);
    const expected = state === 'before-fix' ? 'fail' : 'pass';
    if ((expected === 'fail') === (got === 'PASSED')) disagreements.push({ test, list: 'FAIL_TO_PASS', state, expected, got });
  }
  for (const test of lists.PASS_TO_PASS) {
    const got = statusOf(test);
    if (got !== 'PASSED') disagreements.push({ test, list: 'PASS_TO_PASS', state, expected: 'pass', got });
  }
  return disagreements;
}

/** One disagreement as a person reads it: `tests/x.py::t (FAIL_TO_PASS) before the fix: expected to fail, got PASSED`. */
export function describeDisagreement(disagreement: TestDisagreement): string {
  const when = disagreement.state === 'before-fix' ? 'before the fix' : 'after the fix';
  return `${disagreement.test} (${disagreement.list}) ${when}: expected to ${disagreement.expected}, got ${disagreement.got}`;
}

import type { TestStatusMap } from '../core/tests.js';

/** Tests of one list that passed and failed, as in SWE-bench's report.json. */
export interface TestListOutcome {
  success: string[];
  failure: string[];
}

/** SWE-bench's `tests_status`. FAIL_TO_FAIL and PASS_TO_FAIL are kept (empty) for readers that expect all four keys. */
export interface TestsStatus {
  FAIL_TO_PASS: TestListOutcome;
  PASS_TO_PASS: TestListOutcome;
  FAIL_TO_FAIL: TestListOutcome;
  PASS_TO_FAIL: TestListOutcome;
}

/** SWE-bench's resolution levels: FULL is resolved, PARTIAL and NO are not. */
export type ResolutionStatus = 'FULL' | 'PARTIAL' | 'NO';

/** The grade of one run: what SWE-bench's grading.py computes from the statuses. */
export interface Grade {
  testsStatus: TestsStatus;
  resolution: ResolutionStatus;
  resolved: boolean;
}

function split(tests: readonly string[], statuses: TestStatusMap): TestListOutcome {
  const success: string[] = [];
  const failure: string[] = [];
  for (const test of tests) (statuses[test] === 'PASSED' ? success : failure).push(test);
  return { success, failure };
}

/**
 * Grade a suite run against a task's lists: resolved only when every FAIL_TO_PASS and every
 * PASS_TO_PASS test passed (a test absent from the run counts as failed), as SWE-bench does.
 */
export function gradeRun(lists: { FAIL_TO_PASS: readonly string[]; PASS_TO_PASS: readonly string[] }, statuses: TestStatusMap): Grade {
  const failToPass = split(lists.FAIL_TO_PASS, statuses);
  const passToPass = split(lists.PASS_TO_PASS, statuses);
  const testsStatus: TestsStatus = {
    FAIL_TO_PASS: failToPass,
    PASS_TO_PASS: passToPass,
    FAIL_TO_FAIL: { success: [], failure: [] },
    PASS_TO_FAIL: { success: [], failure: [] },
  };
  const isFailToPassComplete = failToPass.failure.length === 0;
  const isPassToPassComplete = passToPass.failure.length === 0;
  let resolution: ResolutionStatus = 'NO';
  if (isFailToPassComplete && isPassToPassComplete) resolution = 'FULL';
  else if (isPassToPassComplete && failToPass.success.length > 0) resolution = 'PARTIAL';
  return { testsStatus, resolution, resolved: resolution === 'FULL' };
}

/** The tests a run passed. */
export function passedTests(statuses: TestStatusMap): string[] {
  return Object.entries(statuses)
    .filter(([, status]) => status === 'PASSED')
    .map(([test]) => test)
    .sort();
}

/** The paper's success check: every test the reference fix fixes (FAIL_TO_PASS) is among those passing after the patch. */
export function passesReferenceFixedTests(failToPass: readonly string[], statuses: TestStatusMap): boolean {
  return failToPass.every((test) => statuses[test] === 'PASSED');
}

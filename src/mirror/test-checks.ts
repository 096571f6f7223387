import type { TestStatusMap } from '../core/tests.js';
import type { SuiteRun } from '../gym/types.js';
import { outputTail } from './precheck.js';

export type TestCheck = { ok: true; tests: string[] } | { ok: false; feedback: string };

const MAXIMUM_LISTED = 15;

function list(tests: string[]): string {
  const shown = tests.slice(0, MAXIMUM_LISTED).map((test) => `- ${test}`);
  if (tests.length > MAXIMUM_LISTED) shown.push(`- ... and ${tests.length - MAXIMUM_LISTED} more`);
  return shown.join('\n');
}

/** Tests a run reports that the gym's baseline does not have. */
export function findNewTests(baseline: TestStatusMap, run: TestStatusMap): string[] {
  return Object.keys(run).filter((test) => !(test in baseline)).sort();
}

/**
 * Judge the touched test files run on the clean gym with the test patch (pure): the suite must have run,
 * there must be new tests, every new test must pass, and no test that passed at baseline may now fail.
 * Returns the new tests.
 */
export function checkTestsOnCleanCode(baseline: TestStatusMap, run: SuiteRun): TestCheck {
  if (!run.report.hasEvidence) {
    return {
      ok: false,
      feedback: `Running the test files produced no test results, so they probably do not load or compile. The output ends with:\n\n${outputTail(run.process)}`,
    };
  }
  const newTests = findNewTests(baseline, run.report.tests);
  if (newTests.length === 0) {
    return {
      ok: false,
      feedback: `The test run found no new tests: the ${Object.keys(run.report.tests).length} tests it reported all existed before. Add new test functions with new names (do not only change existing ones).`,
    };
  }
  const notPassing = newTests.filter((test) => run.report.tests[test] !== 'PASSED');
  if (notPassing.length > 0) {
    return {
      ok: false,
      feedback: `These new tests do not pass on the current code, which is correct as it is:\n${list(notPassing)}\n\nThe tests must assert what the current code actually does. The output ends with:\n\n${outputTail(run.process)}`,
    };
  }
  const broken = Object.entries(baseline)
    .filter(([test, status]) => status === 'PASSED' && test in run.report.tests && run.report.tests[test] !== 'PASSED')
    .map(([test]) => test);
  if (broken.length > 0) {
    return {
      ok: false,
      feedback: `Your change to the test files breaks tests that passed before:\n${list(broken)}\n\nLeave existing tests as they are. The output ends with:\n\n${outputTail(run.process)}`,
    };
  }
  return { ok: true, tests: newTests };
}

/**
 * Judge the touched test files run with the mirror and test patches applied (pure): at least one of the
 * new tests must now fail. Returns the failing new tests.
 */
export function checkTestsAfterMirroring(newTests: string[], run: SuiteRun): TestCheck {
  if (!run.report.hasEvidence) {
    return {
      ok: false,
      feedback: `With your change the tests no longer run at all (the code probably does not load or build). Keep the code loadable: the bug must show as failing assertions. The output ends with:\n\n${outputTail(run.process)}`,
    };
  }
  const failing = newTests.filter((test) => run.report.tests[test] === 'FAILED');
  if (failing.length === 0) {
    const missing = newTests.filter((test) => run.report.tests[test] === undefined);
    const detail = missing.length > 0 ? `\n\nThese were not reported at all:\n${list(missing)}` : '';
    return {
      ok: false,
      feedback: `The new tests still pass after your change, so it does not re-create the bug they check:\n${list(newTests.filter((test) => run.report.tests[test] === 'PASSED'))}${detail}\n\nChange the source code so that the behaviour these tests assert breaks.`,
    };
  }
  return { ok: true, tests: failing };
}

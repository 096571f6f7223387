import type { TestStatusMap } from '../core/tests.js';
import type { SuiteRun } from '../gym/types.js';
import { cleanFeedbackText, outputTail } from './precheck.js';

export type TestCheck = { ok: true; tests: string[] } | { ok: false; feedback: string; code?: string };

/** What a check needs besides the run: the gym's suite time limit, for a timeout said as such. */
export interface TestCheckOptions {
  timeLimitSeconds?: number;
  /** Strict mode (DESIGN §4 rule 1): every new test must fail with the bug, not only one. */
  isStrict?: boolean;
}

const MAXIMUM_LISTED = 15;
/** Per test in feedback: the message's first lines; across all tests, a cap that keeps the retry prompt small. */
const MESSAGE_LINES_PER_TEST = 12;
const MESSAGES_CHARACTER_BUDGET = 6_000;

function list(tests: string[]): string {
  const shown = tests.slice(0, MAXIMUM_LISTED).map((test) => `- ${test}`);
  if (tests.length > MAXIMUM_LISTED) shown.push(`- ... and ${tests.length - MAXIMUM_LISTED} more`);
  return shown.join('\n');
}

/**
 * The tests, each with the runner's message about it (indented), bounded; when the report carries no message
 * for any of them, the output's last lines instead (the old feedback, still useful for console reporters).
 */
export function describeFailures(tests: string[], run: SuiteRun): string {
  const messages = run.report.failureMessages ?? {};
  if (!tests.some((test) => Object.hasOwn(messages, test))) return `${list(tests)}\n\nThe output ends with:\n\n${outputTail(run.process)}`;
  let budget = MESSAGES_CHARACTER_BUDGET;
  const shown = tests.slice(0, MAXIMUM_LISTED).map((test) => {
    const message = Object.hasOwn(messages, test) ? messages[test] : undefined;
    if (message === undefined || budget <= 0) return `- ${test}`;
    const lines = cleanFeedbackText(message, run.process.cwd).split('\n');
    let text = lines.slice(0, MESSAGE_LINES_PER_TEST).map((line) => `    ${line}`).join('\n');
    if (lines.length > MESSAGE_LINES_PER_TEST) text += '\n    ...';
    if (text.length > budget) text = `${text.slice(0, budget)}\n    ...`;
    budget -= text.length;
    return `- ${test}\n${text}`;
  });
  if (tests.length > MAXIMUM_LISTED) shown.push(`- ... and ${tests.length - MAXIMUM_LISTED} more`);
  return shown.join('\n');
}

function describeLimit(options: TestCheckOptions): string {
  return options.timeLimitSeconds === undefined ? "the gym's time limit (timeLimitSeconds)" : `the gym's time limit of ${options.timeLimitSeconds} seconds (timeLimitSeconds)`;
}

/** Tests a run reports that the gym's baseline does not have. */
export function findNewTests(baseline: TestStatusMap, run: TestStatusMap): string[] {
  return Object.keys(run).filter((test) => !(test in baseline)).sort();
}

/**
 * Baseline tests of the touched test files that the run no longer reports: deleted or renamed. Only ids that
 * name their file (`file > title`, `file::test`) can be placed; the test.patch's declarations cover the rest.
 */
export function findMissingBaselineTests(baseline: TestStatusMap, run: TestStatusMap, testFiles: string[]): string[] {
  const prefixes = testFiles.flatMap((file) => [`${file} > `, `${file}::`]);
  return Object.keys(baseline)
    .filter((test) => baseline[test] !== 'SKIPPED' && !(test in run) && prefixes.some((prefix) => test.startsWith(prefix)))
    .sort();
}

/**
 * Judge the touched test files run on the clean gym with the test patch (pure): the run must have finished
 * and produced results, there must be new tests, every new test must pass, no test that passed at baseline
 * may now fail, and no existing test of those files may be gone. Returns the new tests.
 */
export function checkTestsOnCleanCode(baseline: TestStatusMap, run: SuiteRun, options: TestCheckOptions & { testFiles?: string[] } = {}): TestCheck {
  if (run.process.timedOut) {
    return {
      ok: false,
      code: 'TEST_TIMED_OUT',
      feedback: `The test run did not finish: it was stopped at ${describeLimit(options)}. A new test probably waits forever or loops (an unresolved promise, a callback never called, an endless loop). Every new test must finish quickly.`,
    };
  }
  if (!run.report.hasEvidence) {
    return {
      ok: false,
      code: 'TEST_NO_RESULTS',
      feedback: `Running the test files produced no test results, so they probably do not load or compile. The output ends with:\n\n${outputTail(run.process)}`,
    };
  }
  const newTests = findNewTests(baseline, run.report.tests);
  if (newTests.length === 0) {
    return {
      ok: false,
      code: 'TEST_NO_NEW_TESTS',
      feedback: `The test run found no new tests: the ${Object.keys(run.report.tests).length} tests it reported all existed before. Add new test functions with new names (do not only change existing ones).`,
    };
  }
  const notPassing = newTests.filter((test) => run.report.tests[test] !== 'PASSED');
  if (notPassing.length > 0) {
    return {
      ok: false,
      code: 'TEST_NOT_PASSING_ON_CLEAN',
      feedback: `These new tests do not pass on the current code, which is correct as it is:\n${describeFailures(notPassing, run)}\n\nThe tests must assert what the current code actually does.`,
    };
  }
  const broken = Object.entries(baseline)
    .filter(([test, status]) => status === 'PASSED' && test in run.report.tests && run.report.tests[test] !== 'PASSED')
    .map(([test]) => test);
  if (broken.length > 0) {
    return {
      ok: false,
      code: 'TEST_BREAKS_EXISTING',
      feedback: `Your change to the test files breaks tests that passed before:\n${describeFailures(broken, run)}\n\nLeave existing tests as they are.`,
    };
  }
  const missing = findMissingBaselineTests(baseline, run.report.tests, options.testFiles ?? []);
  if (missing.length > 0) {
    return {
      ok: false,
      code: 'TEST_PATCH_REMOVES_TESTS',
      feedback: `Your change deletes or renames existing tests: these are no longer reported:\n${list(missing)}\n\nKeep every existing test exactly as it is, under the same name; add the new tests beside them.`,
    };
  }
  return { ok: true, tests: newTests };
}

/**
 * Judge the touched test files run with the mirror and test patches applied (pure): the run must have
 * finished with results, and at least one new test must now fail (every one in strict mode). Returns the
 * failing new tests.
 */
export function checkTestsAfterMirroring(newTests: string[], run: SuiteRun, options: TestCheckOptions = {}): TestCheck {
  if (run.process.timedOut) {
    return {
      ok: false,
      code: 'MIRROR_TESTS_TIMED_OUT',
      feedback: `With your change the test run did not finish: it was stopped at ${describeLimit(options)}. The change probably makes the code loop or wait forever. The bug must show as failing assertions, not as a hang.`,
    };
  }
  if (!run.report.hasEvidence) {
    return {
      ok: false,
      code: 'MIRROR_TESTS_NOT_RUN',
      feedback: `With your change the tests no longer run at all (the code probably does not load or build). Keep the code loadable: the bug must show as failing assertions. The output ends with:\n\n${outputTail(run.process)}`,
    };
  }
  const failing = newTests.filter((test) => run.report.tests[test] === 'FAILED');
  const missing = newTests.filter((test) => run.report.tests[test] === undefined);
  const missingDetail = missing.length > 0 ? `\n\nThese were not reported at all:\n${list(missing)}` : '';
  if (failing.length === 0) {
    return {
      ok: false,
      code: 'MIRROR_TESTS_STILL_PASS',
      feedback: `The new tests still pass after your change, so it does not re-create the bug they check:\n${list(newTests.filter((test) => run.report.tests[test] === 'PASSED'))}${missingDetail}\n\nChange the source code so that the behaviour these tests assert breaks.`,
    };
  }
  if (options.isStrict && failing.length < newTests.length) {
    return {
      ok: false,
      code: 'MIRROR_TESTS_STILL_PASS',
      feedback: `In strict mode every new test must fail after your change, but these still pass:\n${list(newTests.filter((test) => run.report.tests[test] === 'PASSED'))}${missingDetail}\n\nThese fail, as they should:\n${list(failing)}\n\nChange the source code so that the behaviour every new test asserts breaks.`,
    };
  }
  return { ok: true, tests: failing };
}

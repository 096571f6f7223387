import type { ReportParser } from '../core/tests.js';
import { looksLikeAbsolutePath } from './file-paths.js';
import { parseJunitReport, type JunitDialect } from './junit-report.js';

/**
 * node:test `--test-reporter=junit`. Node nests a <testsuite> per describe (and per test that has
 * subtests) and sets classname to "test", so the id is the suite names plus the test name,
 * joined with ' > '. Node 20 gives no file for tests that ran; a file that crashed is a test case
 * named by its absolute path, made relative here.
 */
const nodeJunitDialect: JunitDialect = {
  format: 'node-junit',
  label: 'node:test JUnit',
  repeatPolicy: 'disambiguate',
  collectPaths: (testCases) =>
    testCases.flatMap((testCase) => [testCase.name, ...testCase.suites.map((suite) => suite.name)].filter(looksLikeAbsolutePath)),
  idOf: (testCase, paths) =>
    [...testCase.suites.map((suite) => suite.name), testCase.name]
      .map((name) => (looksLikeAbsolutePath(name) ? paths.relativize(name) : name))
      .join(' > '),
};

/** node:test JUnit reporter output (report file or stdout). */
export const nodeJunitParser: ReportParser = {
  format: 'node-junit',
  parse: (input) => parseJunitReport(nodeJunitDialect, input),
};

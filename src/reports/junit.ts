import type { ReportParser } from '../core/tests.js';
import { looksLikeAbsolutePath } from './file-paths.js';
import { parseJunitReport, type JunitDialect } from './junit-report.js';
import type { JunitTestCase } from './junit-xml.js';

/**
 * Generic JUnit XML (surefire, jest-junit, mocha xunit, go-junit-report...).
 * Id: `[file > ]<classname> > <name>`: the file attribute (made relative) when present, then the
 * classname, or when there is none the enclosing testsuite names; empty parts are left out.
 */
export const genericJunitDialect: JunitDialect = {
  format: 'junit',
  label: 'JUnit',
  repeatPolicy: 'disambiguate',
  collectPaths: (testCases) =>
    testCases.flatMap((testCase) => (testCase.file && looksLikeAbsolutePath(testCase.file) ? [testCase.file] : [])),
  idOf(testCase: JunitTestCase, paths) {
    const scope = testCase.classname !== undefined && testCase.classname !== ''
      ? [testCase.classname]
      : testCase.classname === undefined ? testCase.suites.map((suite) => suite.name) : [];
    const parts = [testCase.file ? paths.relativize(testCase.file) : '', ...scope, testCase.name];
    return parts.filter((part) => part !== '').join(' > ');
  },
};

/** Generic JUnit XML report file (or XML on stdout). */
export const junitParser: ReportParser = {
  format: 'junit',
  parse: (input) => parseJunitReport(genericJunitDialect, input),
};

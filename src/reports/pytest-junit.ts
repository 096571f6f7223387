import type { ReportParser } from '../core/tests.js';
import { parseJunitReport, type JunitDialect } from './junit-report.js';
import type { JunitTestCase } from './junit-xml.js';

// pytest's default python_files patterns: test_*.py and *_test.py.
const TEST_MODULE = /^test_|_test$/;

/**
 * Maps pytest's JUnit classname (`tests.test_x.TestClass`) and name back to a node id
 * (`tests/test_x.py::TestClass::test_name[param]`).
 *
 * With a `file` attribute (junit_family=xunit1) the module is exact. Without one the module
 * ends at the last dotted segment that looks like a test module (test_*, *_test), else before
 * the first capitalised segment (a class). Limits: modules named outside python_files' default
 * patterns with lower-case classes, and rootdir-relative paths with dots in directory names,
 * cannot be told apart from classes; ids then differ from `-rA` node ids.
 */
export function toPytestNodeId(testCase: JunitTestCase): string {
  const classname = testCase.classname ?? '';
  const file = testCase.file?.replace(/\\/g, '/');
  if (classname === '') {
    // A collection error: the name is the dotted module path.
    return file ?? `${testCase.name.replace(/\./g, '/')}.py`;
  }
  const segments = classname.split('.');
  if (file !== undefined && file.endsWith('.py')) {
    const moduleSegments = file.slice(0, -'.py'.length).split('/');
    if (moduleSegments.every((segment, index) => segments[index] === segment)) {
      return [file, ...segments.slice(moduleSegments.length), testCase.name].join('::');
    }
  }
  let moduleEnd = -1;
  for (let index = segments.length - 1; index >= 0; index -= 1) {
    if (TEST_MODULE.test(segments[index] ?? '')) {
      moduleEnd = index;
      break;
    }
  }
  if (moduleEnd < 0) {
    const firstClass = segments.findIndex((segment, index) => index > 0 && /^[A-Z]/.test(segment));
    moduleEnd = firstClass < 0 ? segments.length - 1 : firstClass - 1;
  }
  const modulePath = `${segments.slice(0, moduleEnd + 1).join('/')}.py`;
  return [modulePath, ...segments.slice(moduleEnd + 1), testCase.name].join('::');
}

const pytestJunitDialect: JunitDialect = {
  format: 'pytest-junit',
  label: 'pytest JUnit',
  // Node ids are unique in pytest; a repeat is the same test (call + teardown error): FAILED wins.
  repeatPolicy: 'merge',
  collectPaths: () => [],
  idOf: (testCase) => toPytestNodeId(testCase),
};

/** pytest `--junitxml` report file, ids mapped back to pytest node ids. */
export const pytestJunitParser: ReportParser = {
  format: 'pytest-junit',
  parse: (input) => parseJunitReport(pytestJunitDialect, input),
};

import { describe, expect, it } from 'vitest';
import { parseReport } from '../../src/reports/index.js';
import { CAPTURE_ROOT, readCapture } from './captured-output.js';

describe('generic JUnit XML (mocha xunit reporter, real capture)', () => {
  it('builds ids from file, classname and name', () => {
    const report = parseReport('junit', {
      stdout: '',
      stderr: '',
      reportFile: readCapture('junit/mocha-xunit.xml'),
      rootDirectory: `${CAPTURE_ROOT}/js-mocha`,
    });
    expect(report.hasEvidence).toBe(true);
    expect(report.tests).toEqual({
      'test/math.test.js > top level test': 'PASSED',
      'test/strings.test.js > throws an error': 'FAILED',
      'test/math.test.js > math > skipped case': 'SKIPPED',
      'test/math.test.js > math > pending case': 'SKIPPED',
      'test/math.test.js > math > sum of 1 and 1 is 2': 'PASSED',
      'test/math.test.js > math > sum of 2 and 2 is 4': 'PASSED',
      'test/math.test.js > math > sum of 1 and 1 is 3': 'FAILED',
      'test/math.test.js > math > repeated row': 'PASSED',
      'test/math.test.js > math > repeated row [2]': 'PASSED',
      'test/math.test.js > math add > adds two numbers': 'PASSED',
      'test/math.test.js > math add > handles negatives': 'FAILED',
      'test/strings.test.js > math add > adds two numbers': 'PASSED',
      'test/strings.test.js > with a failing hook > "before each" hook for "is never reached"': 'FAILED',
    });
  });

  it('keeps the complete test cases of a truncated file and warns', () => {
    const xml = readCapture('junit/mocha-xunit.xml');
    const cut = xml.indexOf('name="sum of 1 and 1 is 3"');
    const report = parseReport('junit', { stdout: '', stderr: '', reportFile: xml.slice(0, cut), rootDirectory: `${CAPTURE_ROOT}/js-mocha` });
    expect(report.hasEvidence).toBe(true);
    expect(Object.keys(report.tests)).toHaveLength(6);
    expect(report.tests['test/math.test.js > math > sum of 2 and 2 is 4']).toBe('PASSED');
    expect(report.warnings.join('\n')).toContain('truncated');
  });

  it('has no evidence for an empty, missing or non-XML report file', () => {
    const empty = parseReport('junit', { stdout: '', stderr: '', reportFile: '' });
    expect(empty.hasEvidence).toBe(false);
    expect(empty.warnings.join('\n')).toContain('report file is empty');
    const missing = parseReport('junit', { stdout: 'Segmentation fault\n', stderr: '' });
    expect(missing.hasEvidence).toBe(false);
    expect(missing.warnings.join('\n')).toContain('the report file is missing');
    const garbage = parseReport('junit', { stdout: '', stderr: '', reportFile: '{"not":"xml"}' });
    expect(garbage.hasEvidence).toBe(false);
    expect(garbage.warnings.join('\n')).toContain('not JUnit XML');
  });

  it('treats a suite that ran zero tests as evidence with no tests', () => {
    const report = parseReport('junit', { stdout: '', stderr: '', reportFile: '<?xml version="1.0"?>\r\n<testsuites tests="0"></testsuites>\r\n' });
    expect(report).toMatchObject({ hasEvidence: true, tests: {} });
  });
});

describe('node:test JUnit reporter (Node 20, real capture)', () => {
  it('uses nested suite names and the relative path of a crashed file', () => {
    const report = parseReport('node-junit', {
      stdout: '',
      stderr: '',
      reportFile: readCapture('node-junit/report.xml'),
      rootDirectory: `${CAPTURE_ROOT}/js-node`,
    });
    expect(report.hasEvidence).toBe(true);
    expect(report.tests).toEqual({
      'test/broken.test.js': 'FAILED',
      'math > add > adds two numbers': 'PASSED',
      'math > add > handles negatives': 'FAILED',
      'math > skipped case': 'SKIPPED',
      'math > todo case': 'SKIPPED',
      'math > sum of 1 and 1 is 2': 'PASSED',
      'math > sum of 2 and 2 is 4': 'PASSED',
      'math > sum of 1 and 1 is 3': 'FAILED',
      'math > repeated row': 'PASSED',
      'math > repeated row [2]': 'PASSED',
      'top level test > subtest one': 'PASSED',
      // Same title in strings.test.js: Node 20 gives no file, so order of appearance decides.
      'math > add > adds two numbers [2]': 'PASSED',
      'throws an error': 'FAILED',
    });
  });
});

const EXPECTED_PYTEST = {
  'tests/test_broken_import.py': 'FAILED',
  'tests/sub/test_deep.py::test_deep': 'PASSED',
  'tests/test_math.py::TestAdd::test_adds_two_numbers': 'PASSED',
  'tests/test_math.py::TestAdd::test_handles_negatives': 'FAILED',
  'tests/test_math.py::TestAdd::TestNested::test_inner': 'PASSED',
  'tests/test_math.py::test_skipped_case': 'SKIPPED',
  'tests/test_math.py::test_expected_failure': 'SKIPPED',
  'tests/test_math.py::test_sum[1-1-2]': 'PASSED',
  'tests/test_math.py::test_sum[2-2-4]': 'PASSED',
  'tests/test_math.py::test_sum[1-1-3]': 'FAILED',
  'tests/test_math.py::test_odd_params[a b]': 'PASSED',
  'tests/test_math.py::test_odd_params[x::y]': 'PASSED',
  'tests/test_math.py::test_odd_params[dotted.name]': 'PASSED',
  'tests/test_math.py::test_with_broken_fixture': 'FAILED',
  'tests/test_math.py::test_top_level': 'PASSED',
  'tests/test_strings.py::TestAdd::test_adds_two_numbers': 'PASSED',
  'tests/test_strings.py::test_top_level': 'FAILED',
};

describe('pytest --junitxml (pytest 9, real captures)', () => {
  it('maps classname + name back to node ids (xunit2, no file attribute)', () => {
    const report = parseReport('pytest-junit', { stdout: '', stderr: '', reportFile: readCapture('pytest-junit/report.xml') });
    expect(report.hasEvidence).toBe(true);
    expect(report.tests).toEqual(EXPECTED_PYTEST);
  });

  it('uses the file attribute when present (xunit1) and gets the same ids', () => {
    const report = parseReport('pytest-junit', { stdout: '', stderr: '', reportFile: readCapture('pytest-junit/xunit1.xml') });
    expect(report.tests).toEqual(EXPECTED_PYTEST);
  });

  it('reports an interrupted collection as the failing module only', () => {
    const report = parseReport('pytest-junit', { stdout: '', stderr: '', reportFile: readCapture('pytest-junit/collection-error.xml') });
    expect(report).toMatchObject({ hasEvidence: true, tests: { 'tests/test_broken_import.py': 'FAILED' } });
  });

  it('merges a repeated node id, FAILED winning (a teardown error after a pass)', () => {
    const xml = '<testsuites><testsuite name="pytest"><testcase classname="tests.test_a" name="test_x"/><testcase classname="tests.test_a" name="test_x"><error message="teardown"/></testcase></testsuite></testsuites>';
    const report = parseReport('pytest-junit', { stdout: '', stderr: '', reportFile: xml });
    expect(report.tests).toEqual({ 'tests/test_a.py::test_x': 'FAILED' });
  });
});

import { describe, expect, it } from 'vitest';
import { parseReport } from '../../src/reports/index.js';
import { boundFailureMessage } from '../../src/reports/test-ids.js';
import { CAPTURE_ROOT, readCapture } from './captured-output.js';

// Real captures (test/fixtures/reports/capture.sh): each format's failed tests carry the runner's own message.
describe('failure messages of failed tests', () => {
  it('jest and vitest: failureMessages, one stack frame kept', () => {
    const jest = parseReport('jest', { stdout: '', stderr: '', reportFile: readCapture('jest/report.json'), rootDirectory: `${CAPTURE_ROOT}/js-jest` });
    expect(jest.failureMessages?.['test/math.test.js > math > add > handles negatives']).toBe(
      'Error: expect(received).toBe(expected) // Object.is equality\n\nExpected: -3\nReceived: -2\n    at Object.toBe (/tmp/swe-mirror-report-capture/js-jest/test/math.test.js:7:23)',
    );
    expect(jest.failureMessages?.['test/broken.test.js']).toContain("Cannot find module './does-not-exist'");
    const vitest = parseReport('vitest', { stdout: '', stderr: '', reportFile: readCapture('vitest/report.json') });
    expect(vitest.failureMessages?.['math.test.js > math > sum of 1 and 1 is 3']).toMatch(/^AssertionError: expected 2 to be 3/);
    // Only failed tests have one.
    expect(Object.keys(jest.failureMessages ?? {}).every((id) => jest.tests[id] === 'FAILED')).toBe(true);
  });

  it('mocha: err.message, hook failures too', () => {
    const report = parseReport('mocha', { stdout: readCapture('mocha/stdout.txt'), stderr: '' });
    expect(report.failureMessages?.['math.test.js > math add handles negatives']).toBe('Expected values to be strictly equal:\n\n-2 !== -3');
    expect(report.failureMessages?.['strings.test.js > with a failing hook "before each" hook for "is never reached"']).toBe('hook failed');
  });

  it('JUnit: the <failure> message attribute and text, entities decoded', () => {
    const junit = parseReport('junit', { stdout: '', stderr: '', reportFile: readCapture('junit/mocha-xunit.xml') });
    expect(junit.failureMessages?.['strings.test.js > throws an error']).toBe('boom\nError: boom\n    at Context.<anonymous> (test/strings.test.js:12:9)');
    const pytest = parseReport('pytest-junit', { stdout: '', stderr: '', reportFile: readCapture('pytest-junit/report.xml') });
    expect(pytest.failureMessages?.['tests/test_math.py::test_sum[1-1-3]']).toMatch(/^assert \(1 \+ 1\) == 3\n[\s\S]*E {7}assert \(1 \+ 1\) == 3/);
    const withAttribute = parseReport('junit', {
      stdout: '',
      stderr: '',
      reportFile: '<testsuite name="s"><testcase classname="c" name="t"><failure message="expected &lt;1&gt;"><![CDATA[expected <1>\n  at C.t]]></failure></testcase></testsuite>',
    });
    expect(withAttribute.failureMessages).toEqual({ 'c > t': 'expected <1>\n  at C.t' });
  });

  it('pytest -rA: the summary line tail after " - "', () => {
    const report = parseReport('pytest-ra', { stdout: readCapture('pytest-ra/ra.txt'), stderr: '' });
    expect(report.failureMessages?.['tests/test_math.py::test_sum[1-1-3]']).toBe('assert (1 + 1) == 3');
    expect(report.failureMessages?.['tests/test_strings.py::test_top_level']).toBe('ValueError: boom');
  });

  it('go test -json: the failing test output lines, without go test framing', () => {
    const report = parseReport('go-json', { stdout: readCapture('go-json/stdout.jsonl'), stderr: readCapture('go-json/stderr.txt') });
    expect(report.failureMessages?.['example.com/calc/calc::TestNegatives']).toBe('    calc_test.go:16: got -2, want -3');
    expect(report.failureMessages?.['example.com/calc/calc::TestTable/wrong']).toContain('Add(1, 1) = 2, want 3');
  });

  it('cargo: the `---- name stdout ----` block, without the thread id or the backtrace hint', () => {
    for (const input of [
      { stdout: readCapture('cargo/stdout.txt'), stderr: readCapture('cargo/stderr.txt') },
      { stdout: readCapture('cargo/merged-color.txt'), stderr: '' },
    ]) {
      const report = parseReport('cargo', input);
      expect(report.failureMessages).toEqual({
        'rs::tests::handles_negatives': "thread 'tests::handles_negatives' panicked at src/lib.rs:40:9:\nassertion `left == right` failed\n  left: -2\n right: -3",
        'integration::fails_in_integration':
          "thread 'fails_in_integration' panicked at tests/integration.rs:8:5:\nassertion `left == right` failed: integration math is off\n  left: 2\n right: 3",
      });
    }
  });

  it('bounds a message: ANSI stripped, 20 lines, 1,500 characters', () => {
    expect(boundFailureMessage('\u001b[31mred\u001b[39m\n\n\n\nnext')).toBe('red\n\nnext');
    const long = boundFailureMessage(Array.from({ length: 50 }, (_, index) => `line ${index}`).join('\n'));
    expect(long.split('\n')).toHaveLength(21);
    expect(long.endsWith('\n...')).toBe(true);
    expect(boundFailureMessage('x'.repeat(5000)).length).toBeLessThanOrEqual(1504);
  });
});

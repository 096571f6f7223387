import { describe, expect, it } from 'vitest';
import { parseReport } from '../../src/reports/index.js';
import { CAPTURE_ROOT, readCapture } from './captured-output.js';

describe('mocha JSON report (mocha 10, real capture on stdout with console noise in front)', () => {
  it('reads every test, pending ones as SKIPPED and a hook failure as FAILED', () => {
    const report = parseReport('mocha', {
      stdout: readCapture('mocha/stdout.txt'),
      stderr: readCapture('mocha/stderr.txt'),
      rootDirectory: `${CAPTURE_ROOT}/js-mocha`,
    });
    expect(report.hasEvidence).toBe(true);
    expect(report.tests).toEqual({
      'test/math.test.js > top level test': 'PASSED',
      'test/strings.test.js > throws an error': 'FAILED',
      'test/math.test.js > math skipped case': 'SKIPPED',
      'test/math.test.js > math pending case': 'SKIPPED',
      'test/math.test.js > math sum of 1 and 1 is 2': 'PASSED',
      'test/math.test.js > math sum of 2 and 2 is 4': 'PASSED',
      'test/math.test.js > math sum of 1 and 1 is 3': 'FAILED',
      'test/math.test.js > math repeated row': 'PASSED',
      'test/math.test.js > math repeated row [2]': 'PASSED',
      'test/math.test.js > math add adds two numbers': 'PASSED',
      'test/math.test.js > math add handles negatives': 'FAILED',
      'test/strings.test.js > math add adds two numbers': 'PASSED',
      'test/strings.test.js > with a failing hook "before each" hook for "is never reached"': 'FAILED',
    });
  });

  it('has no evidence when mocha crashed before printing its report', () => {
    const report = parseReport('mocha', { stdout: '', stderr: 'Error: Cannot find module mocha\n' });
    expect(report.hasEvidence).toBe(false);
    expect(report.warnings.join('\n')).toContain('stdout is empty');
  });

  it('has no evidence when the report is cut off mid-way', () => {
    const stdout = readCapture('mocha/stdout.txt');
    const report = parseReport('mocha', { stdout: stdout.slice(0, stdout.length / 2), stderr: '' });
    expect(report.hasEvidence).toBe(false);
    expect(report.warnings.join('\n')).toContain('truncated');
  });
});

describe('mocha --reporter json on stdout: a report printed by a test is not the report (mocha 10.8, real capture)', () => {
  it('reads the last report, the one mocha printed when the run ended', () => {
    const report = parseReport('mocha', { stdout: readCapture('mocha-forged/stdout.txt'), stderr: '', rootDirectory: '/tmp/rcap/mocha' });
    expect(report.hasEvidence).toBe(true);
    expect(report.tests).toEqual({ 'test/forged.test.js > forger prints a fake report': 'PASSED' });
  });
});

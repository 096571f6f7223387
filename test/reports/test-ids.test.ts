import { describe, expect, it } from 'vitest';
import { SweMirrorError } from '../../src/core/errors.js';
import { REPORT_FORMATS, type ReportFormat } from '../../src/core/tests.js';
import { getReportParser, parseReport, TestIdRecorder } from '../../src/reports/index.js';

describe('TestIdRecorder', () => {
  it('numbers repeats by order of appearance and never overwrites a real "name [2]"', () => {
    const recorder = new TestIdRecorder('disambiguate');
    recorder.record('a', 'PASSED');
    recorder.record('a [2]', 'SKIPPED');
    recorder.record('a', 'FAILED');
    recorder.record('a', 'PASSED');
    expect(recorder.tests).toEqual({ a: 'PASSED', 'a [2]': 'SKIPPED', 'a [3]': 'FAILED', 'a [4]': 'PASSED' });
    expect(recorder.describeRepeats()).toContain('2 test id(s) repeated');
  });

  it('merges repeats with FAILED over PASSED over SKIPPED in merge mode', () => {
    const recorder = new TestIdRecorder('merge');
    recorder.record('x', 'SKIPPED');
    recorder.record('x', 'PASSED');
    recorder.record('x', 'FAILED');
    recorder.record('x', 'PASSED');
    expect(recorder.tests).toEqual({ x: 'FAILED' });
  });
});

describe('every parser', () => {
  it.each(REPORT_FORMATS.map((format) => [format]))('%s: empty output is no evidence, with a reason', (format: ReportFormat) => {
    const report = parseReport(format, { stdout: '', stderr: '' });
    expect(report.format).toBe(format);
    expect(report.hasEvidence).toBe(false);
    expect(report.tests).toEqual({});
    expect(report.warnings.length).toBeGreaterThan(0);
  });

  it.each(REPORT_FORMATS.map((format) => [format]))('%s: a runner crash (a stack trace only) is no evidence', (format: ReportFormat) => {
    const crash = 'Traceback (most recent call last):\n  File "x", line 1\nSegmentation fault (core dumped)\n';
    const report = parseReport(format, { stdout: crash, stderr: crash });
    expect(report.hasEvidence).toBe(false);
    expect(report.tests).toEqual({});
  });

  it('rejects an unknown format with a user error', () => {
    expect(() => getReportParser('tape' as ReportFormat)).toThrow(SweMirrorError);
    try {
      getReportParser('tape' as ReportFormat);
    } catch (error) {
      expect(error).toMatchObject({ code: 'REPORT_FORMAT_UNKNOWN', kind: 'user' });
    }
  });
});

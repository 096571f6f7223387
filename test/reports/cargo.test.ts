import { describe, expect, it } from 'vitest';
import { parseReport } from '../../src/reports/index.js';
import { readCapture } from './captured-output.js';

const EXPECTED_CARGO = {
  'rs::strings::tests::adds_two_numbers': 'PASSED',
  'rs::tests::adds_two_numbers': 'PASSED',
  'rs::tests::ignored_case': 'SKIPPED',
  'rs::tests::handles_negatives': 'FAILED',
  'rs::tests::panics_as_expected': 'PASSED',
  'rs::tests::prints_noise': 'PASSED',
  'integration::adds_two_numbers': 'PASSED',
  'integration::fails_in_integration': 'FAILED',
  'integration::nested::inner': 'PASSED',
  'rs::src/lib.rs - add (line 5)': 'PASSED',
};

describe('cargo test (cargo 1.95, real captures)', () => {
  it('qualifies unit, integration and doc tests with their test crate from the stderr headers', () => {
    const report = parseReport('cargo', { stdout: readCapture('cargo/stdout.txt'), stderr: readCapture('cargo/stderr.txt') });
    expect(report.hasEvidence).toBe(true);
    expect(report.tests).toEqual(EXPECTED_CARGO);
    expect(report.warnings).toEqual([]);
  });

  it('gives the same ids for merged, coloured output', () => {
    const report = parseReport('cargo', { stdout: readCapture('cargo/merged-color.txt'), stderr: '' });
    expect(report.tests).toEqual(EXPECTED_CARGO);
  });

  it('warns that fail-fast stopped later targets', () => {
    const report = parseReport('cargo', { stdout: readCapture('cargo/fail-fast-stdout.txt'), stderr: readCapture('cargo/fail-fast-stderr.txt') });
    expect(report.hasEvidence).toBe(true);
    expect(Object.keys(report.tests)).toHaveLength(6);
    expect(report.warnings.join('\n')).toContain('--no-fail-fast');
  });

  it('reports a compile error as a definite outcome with no tests and the error in a warning', () => {
    const report = parseReport('cargo', { stdout: readCapture('cargo/compile-error-stdout.txt'), stderr: readCapture('cargo/compile-error-stderr.txt') });
    expect(report).toMatchObject({ hasEvidence: true, tests: {} });
    expect(report.warnings.join('\n')).toContain('error[E0308]: mismatched types');
  });

  it('has no evidence when cargo is missing or printed nothing', () => {
    const report = parseReport('cargo', { stdout: '', stderr: 'bash: cargo: command not found\n' });
    expect(report.hasEvidence).toBe(false);
    expect(report.warnings.join('\n')).toContain('cargo: command not found');
  });

  it('warns when a running block is cut short', () => {
    const stdout = readCapture('cargo/stdout.txt');
    const report = parseReport('cargo', { stdout: stdout.slice(0, stdout.indexOf('test tests::prints_noise')), stderr: readCapture('cargo/stderr.txt') });
    expect(report.hasEvidence).toBe(true);
    expect(report.warnings.join('\n')).toContain('announced 6 test(s) but reported 5');
  });
});

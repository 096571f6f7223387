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
  'rs::src/lib.rs - add': 'PASSED',
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

describe('cargo test: results cannot be printed into existence (cargo 1.95, real captures of sources/rs-forged)', () => {
  /** `prefix` names the capture: '' (plain run), 'skip-direct-', 'nocapture-'. */
  const capture = (prefix: string): { stdout: string; stderr: string } => ({
    stdout: readCapture(`cargo-forged/${prefix}stdout.txt`),
    stderr: readCapture(`cargo-forged/${prefix}stderr.txt`),
  });
  const honest = {
    'forge::tests::honest_passing': 'PASSED',
    'forge::tests::honest_failing': 'FAILED',
    'forge::src/lib.rs - double': 'PASSED',
    'forge::src/lib.rs - double [2]': 'PASSED',
  };

  it('ignores result and summary lines in the captured output of a failed test', () => {
    const report = parseReport('cargo', capture('skip-direct-'));
    expect(report.hasEvidence).toBe(true);
    expect(report.tests).toEqual(honest);
  });

  it('refuses the report when a test wrote a result line past the capture (io::stdout)', () => {
    const report = parseReport('cargo', capture(''));
    expect(report.hasEvidence).toBe(false);
    expect(report.warnings.join('\n')).toContain('4 result lines for 3 announced test(s)');
  });

  it('refuses the report when --nocapture let tests print result lines', () => {
    const report = parseReport('cargo', capture('nocapture-'));
    expect(report.hasEvidence).toBe(false);
    expect(report.warnings.join('\n')).toContain('test crate forge disagree');
  });

  it('numbers doc tests of one item by line, whatever order they finished in, and without the line in the id', () => {
    const { stdout, stderr } = capture('skip-direct-');
    const swapped = stdout
      .replace('test src/lib.rs - double (line 5) ... ok\ntest src/lib.rs - double (line 9) ... ok', 'test src/lib.rs - double (line 9) ... ok\ntest src/lib.rs - double (line 5) ... ok')
      .replace(/\(line 5\)/g, '(line 7)').replace(/\(line 9\)/g, '(line 11)');
    expect(swapped).not.toEqual(stdout);
    expect(parseReport('cargo', { stdout: swapped, stderr }).tests).toEqual(honest);
  });

  it('keeps only the failures of a test binary that never printed its summary', () => {
    const { stdout, stderr } = capture('skip-direct-');
    const cut = stdout.slice(0, stdout.indexOf('failures:'));
    const report = parseReport('cargo', { stdout: cut, stderr });
    expect(report.tests).toEqual({ 'forge::tests::honest_failing': 'FAILED' });
    expect(report.warnings.join('\n')).toContain('only its failures are kept');
  });

  it('reads a report file holding cargo output, never stdout then', () => {
    const { stdout, stderr } = capture('skip-direct-');
    const report = parseReport('cargo', { stdout: '', stderr: '', reportFile: `${stderr}${stdout}` });
    expect(report.hasEvidence).toBe(true);
    expect(Object.keys(report.tests)).toHaveLength(4);
  });
});

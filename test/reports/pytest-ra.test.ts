import { describe, expect, it } from 'vitest';
import { parseReport } from '../../src/reports/index.js';
import { readCapture } from './captured-output.js';

describe('pytest -rA console output (pytest 9, real captures)', () => {
  it('reads node ids from the short summary; unnamed skips become a warning, not ids', () => {
    const report = parseReport('pytest-ra', { stdout: readCapture('pytest-ra/ra.txt'), stderr: '' });
    expect(report.hasEvidence).toBe(true);
    expect(report.tests).toEqual({
      'tests/sub/test_deep.py::test_deep': 'PASSED',
      'tests/test_math.py::TestAdd::test_adds_two_numbers': 'PASSED',
      'tests/test_math.py::TestAdd::TestNested::test_inner': 'PASSED',
      'tests/test_math.py::test_sum[1-1-2]': 'PASSED',
      'tests/test_math.py::test_sum[2-2-4]': 'PASSED',
      'tests/test_math.py::test_odd_params[a b]': 'PASSED',
      'tests/test_math.py::test_odd_params[x::y]': 'PASSED',
      'tests/test_math.py::test_odd_params[dotted.name]': 'PASSED',
      'tests/test_math.py::test_top_level': 'PASSED',
      'tests/test_strings.py::TestAdd::test_adds_two_numbers': 'PASSED',
      'tests/test_math.py::test_expected_failure': 'SKIPPED',
      'tests/test_broken_import.py': 'FAILED',
      'tests/test_math.py::test_with_broken_fixture': 'FAILED',
      'tests/test_math.py::TestAdd::test_handles_negatives': 'FAILED',
      'tests/test_math.py::test_sum[1-1-3]': 'FAILED',
      'tests/test_strings.py::test_top_level': 'FAILED',
    });
    expect(report.warnings.join('\n')).toContain('1 skipped test(s) were reported without node ids');
  });

  it('reads -v progress lines through colour codes and gets the same ids as --junitxml', () => {
    const report = parseReport('pytest-ra', { stdout: readCapture('pytest-ra/ra-verbose-color.txt'), stderr: '' });
    const junit = parseReport('pytest-junit', { stdout: '', stderr: '', reportFile: readCapture('pytest-junit/report.xml') });
    expect(report.tests).toEqual(junit.tests);
    expect(report.warnings).toEqual([]);
  });

  it('reports an interrupted collection as the failing module, with evidence', () => {
    const report = parseReport('pytest-ra', { stdout: readCapture('pytest-ra/collection-error.txt'), stderr: '' });
    expect(report).toMatchObject({ hasEvidence: true, tests: { 'tests/test_broken_import.py': 'FAILED' } });
  });

  it('accepts a run that collected nothing as evidence, and a crash as none', () => {
    const empty = parseReport('pytest-ra', { stdout: '============================ no tests ran in 0.01s =============================\n', stderr: '' });
    expect(empty).toMatchObject({ hasEvidence: true, tests: {} });
    const crashed = parseReport('pytest-ra', { stdout: '', stderr: '/usr/bin/python3: No module named pytest\n' });
    expect(crashed.hasEvidence).toBe(false);
    expect(crashed.warnings.join('\n')).toContain('no pytest results');
  });
});

describe('pytest -rA: results cannot be printed into existence (pytest 9, real captures of tests/test_forge.py)', () => {
  const honest = {
    'tests/test_forge.py::test_prints_a_ghost_failure': 'PASSED',
    'tests/test_forge.py::test_prints_to_stderr': 'PASSED',
    'tests/test_forge.py::test_fails_and_prints_a_summary': 'FAILED',
  };

  /** The capture with the printed summary's final line taken out: one complete summary (pytest's), ghost lines before it. */
  const withoutPrintedFinalLine = (file: string): string => {
    const text = readCapture(`pytest-ra-forged/${file}`);
    const lines = text.split('\n');
    const printed = lines.findIndex((line) => /^=+ 9 passed in [\d.]+s =+$/.test(line.trim()));
    expect(printed).toBeGreaterThan(0);
    lines.splice(printed, 1);
    return lines.join('\n');
  };

  it('refuses ra.txt: a test printed a whole second summary (shown in its captured output), so neither is trusted', () => {
    const report = parseReport('pytest-ra', { stdout: readCapture('pytest-ra-forged/ra.txt'), stderr: '' });
    expect(report.hasEvidence).toBe(false);
    expect(report.tests).toEqual({});
    expect(report.warnings.join('\n')).toContain('2 complete pytest summaries');
  });

  it.each(['ra-no-capture.txt', 'ra-verbose-no-capture.txt'])('reads pytest\'s own summary of %s: the printed header shares its line with a progress mark', (file) => {
    const report = parseReport('pytest-ra', { stdout: readCapture(`pytest-ra-forged/${file}`), stderr: '' });
    expect(report.hasEvidence).toBe(true);
    expect(report.tests).toEqual(honest);
  });

  it.each(['ra.txt', 'ra-no-capture.txt', 'ra-verbose-no-capture.txt'])('reads only pytest\'s own summary of %s when the printed one is not complete', (file) => {
    const report = parseReport('pytest-ra', { stdout: withoutPrintedFinalLine(file), stderr: '' });
    expect(report.hasEvidence).toBe(true);
    expect(report.tests).toEqual(honest);
  });

  it('refuses a summary section holding more lines than pytest counted', () => {
    const stdout = withoutPrintedFinalLine('ra.txt').replace(
      'FAILED tests/test_forge.py::test_fails_and_prints_a_summary - assert False\n',
      'FAILED tests/test_forge.py::test_fails_and_prints_a_summary - assert False\nFAILED tests/x.py::ghost\n',
    );
    const report = parseReport('pytest-ra', { stdout, stderr: '' });
    expect(report.hasEvidence).toBe(false);
    expect(report.warnings.join('\n')).toContain('2 FAILED line(s), 1 counted');
  });

  it('has no evidence when pytest never printed its final line (killed after a test printed lines)', () => {
    const stdout = readCapture('pytest-ra-forged/ra-no-capture.txt');
    const cut = stdout.slice(0, stdout.indexOf('=================================== FAILURES'));
    expect(parseReport('pytest-ra', { stdout: cut, stderr: '' }).hasEvidence).toBe(false);
  });

  it('reads the report file when the gym writes pytest output to one', () => {
    const report = parseReport('pytest-ra', { stdout: 'noise\n', stderr: '', reportFile: withoutPrintedFinalLine('ra.txt') });
    expect(report.tests).toEqual(honest);
    expect(parseReport('pytest-ra', { stdout: readCapture('pytest-ra-forged/ra.txt'), stderr: '', reportFile: '' }).hasEvidence).toBe(false);
  });
});

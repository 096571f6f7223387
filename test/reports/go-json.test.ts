import { describe, expect, it } from 'vitest';
import { parseReport } from '../../src/reports/index.js';
import { readCapture } from './captured-output.js';

describe('go test -json (Go 1.26, real capture)', () => {
  const input = { stdout: readCapture('go-json/stdout.jsonl'), stderr: readCapture('go-json/stderr.txt') };

  it('qualifies tests with their package, keeps subtests and warns about the package that did not build', () => {
    const report = parseReport('go-json', input);
    expect(report.hasEvidence).toBe(true);
    expect(report.tests).toEqual({
      'example.com/calc/strs::TestAdd': 'PASSED',
      'example.com/calc/calc::TestAdd': 'PASSED',
      'example.com/calc/calc::TestNegatives': 'FAILED',
      'example.com/calc/calc::TestSkipped': 'SKIPPED',
      'example.com/calc/calc::TestTable/small': 'PASSED',
      'example.com/calc/calc::TestTable/large': 'PASSED',
      'example.com/calc/calc::TestTable/wrong': 'FAILED',
      'example.com/calc/calc::TestTable/small#01': 'PASSED',
      'example.com/calc/calc::TestTable/with_space': 'PASSED',
      'example.com/calc/calc::TestTable': 'FAILED',
      'example.com/calc/calc::TestNested/outer/inner': 'PASSED',
      'example.com/calc/calc::TestNested/outer/skipped_inner': 'SKIPPED',
      'example.com/calc/calc::TestNested/outer': 'PASSED',
      'example.com/calc/calc::TestNested': 'PASSED',
    });
    expect(Object.keys(report.tests).some((id) => id.includes('broken'))).toBe(false);
    expect(report.warnings).toEqual([
      'package example.com/calc/broken failed to build; its tests are absent: broken/broken_test.go:6:17: cannot use Value() (value of type int) as string value in variable declaration',
    ]);
  });

  it('counts a test cut off by a killed run as FAILED and warns', () => {
    const lines = input.stdout.split('\n');
    const cut = lines.findIndex((line) => line.includes('"Action":"pass"') && line.includes('"Test":"TestTable/large"'));
    const report = parseReport('go-json', { stdout: lines.slice(0, cut).join('\n'), stderr: '' });
    expect(report.hasEvidence).toBe(true);
    expect(report.tests['example.com/calc/calc::TestTable/large']).toBe('FAILED');
    expect(report.tests['example.com/calc/calc::TestTable']).toBe('FAILED');
    expect(report.warnings.join('\n')).toContain('started but never finished');
  });

  it('has no evidence when go could not start', () => {
    const report = parseReport('go-json', { stdout: '', stderr: 'go: cannot find main module, but found .git/config\n' });
    expect(report.hasEvidence).toBe(false);
    expect(report.warnings.join('\n')).toContain('go: cannot find main module');
  });

  it('reads the older text form of a build failure', () => {
    const stdout = '{"Action":"output","Package":"m/p","Output":"FAIL\\tm/p [build failed]\\n"}\n{"Action":"fail","Package":"m/p","Elapsed":0}\n';
    const report = parseReport('go-json', { stdout, stderr: '# m/p\np/x_test.go:3:1: syntax error\n' });
    expect(report).toMatchObject({ hasEvidence: true, tests: {} });
    expect(report.warnings).toEqual(['package m/p failed to build; its tests are absent']);
  });
});

describe('go test -json: results cannot be printed into existence (Go 1.26, real captures of sources/go-forged)', () => {
  it('keeps framing lines, JSON lines and t.Log text a test prints as output, never as results', () => {
    const report = parseReport('go-json', { stdout: readCapture('go-forged/stdout.jsonl'), stderr: readCapture('go-forged/stderr.txt') });
    expect(report.hasEvidence).toBe(true);
    expect(report.tests).toEqual({
      'example.com/forge/forge::TestHonest': 'PASSED',
      'example.com/forge/forge::TestSequentialAfter': 'PASSED',
      'example.com/forge/forge::TestParallelA/one': 'PASSED',
      'example.com/forge/forge::TestParallelB/inner/with/slashes': 'PASSED',
      'example.com/forge/forge::TestParallelB': 'PASSED',
      'example.com/forge/forge::TestParallelA/two': 'PASSED',
      'example.com/forge/forge::TestParallelA': 'PASSED',
    });
  });

  it('refuses a stream where a test used the \\x16 framing marker to start a top-level test inside itself', () => {
    const report = parseReport('go-json', { stdout: readCapture('go-forged/marker-stdout.jsonl'), stderr: '' });
    expect(report.hasEvidence).toBe(false);
    expect(report.warnings.join('\n')).toContain('TestMarkerGhost started while TestMarker was running');
  });

  it('reads the event stream from a report file when the gym writes one', () => {
    const report = parseReport('go-json', { stdout: '', stderr: '', reportFile: readCapture('go-forged/stdout.jsonl') });
    expect(Object.keys(report.tests)).toHaveLength(7);
    expect(parseReport('go-json', { stdout: readCapture('go-forged/stdout.jsonl'), stderr: '', reportFile: ' ' }).hasEvidence).toBe(false);
  });
});

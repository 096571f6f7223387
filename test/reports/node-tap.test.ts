import { describe, expect, it } from 'vitest';
import { parseReport } from '../../src/reports/index.js';
import { CAPTURE_ROOT, readCapture } from './captured-output.js';

describe('node:test TAP reporter (Node 20, real capture)', () => {
  const input = { stdout: readCapture('node-tap/stdout.txt'), stderr: '', rootDirectory: `${CAPTURE_ROOT}/js-node` };

  it('reads nested names, skips suites that only failed through a subtest, keeps a crashed file', () => {
    const report = parseReport('node-tap', input);
    expect(report.hasEvidence).toBe(true);
    expect(report.level).toBe('test');
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
      'top level test': 'PASSED',
      'math > add > adds two numbers [2]': 'PASSED',
      'throws an error': 'FAILED',
    });
  });

  it('gives the same ids with CRLF line ends and colour codes', () => {
    const noisy = input.stdout.replace(/\n/g, '\r\n').replace(/^(not ok|ok)/gm, '\u001b[32m$1\u001b[39m');
    expect(parseReport('node-tap', { ...input, stdout: noisy }).tests).toEqual(parseReport('node-tap', input).tests);
  });

  it('does its best with truncated output and warns', () => {
    const cut = input.stdout.slice(0, input.stdout.indexOf('# Subtest: top level test'));
    const report = parseReport('node-tap', { ...input, stdout: cut });
    expect(report.hasEvidence).toBe(true);
    expect(report.tests['math > sum of 1 and 1 is 3']).toBe('FAILED');
    expect(report.tests['throws an error']).toBeUndefined();
    expect(report.warnings.join('\n')).toContain('truncated');
  });

  it('has no evidence when node crashed before writing TAP', () => {
    const report = parseReport('node-tap', { stdout: '', stderr: 'node: bad option: --test-reporter=tapx\n' });
    expect(report.hasEvidence).toBe(false);
    expect(report.warnings.join('\n')).toContain('printed nothing');
  });
});

describe('node:test TAP: output of a test is not a result (Node 20, real capture of sources/js-node-forged)', () => {
  it('keeps TAP lines a test printed as comments, never as results', () => {
    const report = parseReport('node-tap', { stdout: readCapture('node-tap-forged/stdout.txt'), stderr: '' });
    expect(report).toMatchObject({ hasEvidence: true, tests: { 'honest test': 'PASSED' } });
    expect(Object.keys(report.tests)).toEqual(['honest test']);
  });

  it('reads a TAP report file (--test-reporter-destination) instead of stdout', () => {
    const report = parseReport('node-tap', { stdout: 'ok 1 - ghost\n1..1\n', stderr: '', reportFile: readCapture('node-tap-forged/stdout.txt') });
    expect(Object.keys(report.tests)).toEqual(['honest test']);
    expect(parseReport('node-tap', { stdout: readCapture('node-tap-forged/stdout.txt'), stderr: '', reportFile: '' }).hasEvidence).toBe(false);
  });
});

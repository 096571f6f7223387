import { describe, expect, it } from 'vitest';
import { parseReport } from '../../src/reports/index.js';
import { readCapture } from './captured-output.js';

const tap = (file: string): ReturnType<typeof parseReport> => parseReport('tap', { stdout: readCapture(`tap/${file}`), stderr: '' });

describe('TAP from tape 5.10 (real capture)', () => {
  it('reads TAP 13 without " - ", ids scoped by the # block comments', () => {
    const report = tap('tape-stdout.txt');
    expect(report).toMatchObject({ hasEvidence: true, level: 'assertion' });
    expect(report.tests).toEqual({
      'parses a single nested string > should be equal': 'PASSED',
      'parses a single nested string > should be truthy': 'PASSED',
      'parses a single nested string > should be equal [2]': 'PASSED',
      'math add > should be equal': 'PASSED',
      'math add > adds wrongly on purpose': 'FAILED',
      'todo block > not done yet': 'SKIPPED',
      'nested child > child assertion': 'PASSED',
      'skipped block': 'SKIPPED',
    });
  });

  it('refuses the stream when a test printed test points into it', () => {
    const report = tap('tape-forged-stdout.txt');
    expect(report.hasEvidence).toBe(false);
    expect(report.warnings.join('\n')).toContain('no result is trusted');
  });

  it('refuses a stream that stops before its plan (a test called process.exit after printing)', () => {
    const stdout = readCapture('tap/tape-stdout.txt');
    const report = parseReport('tap', { stdout: stdout.slice(0, stdout.indexOf('\n1..7')), stderr: '' });
    expect(report.hasEvidence).toBe(false);
    expect(report.warnings.join('\n')).toContain('has no plan');
  });
});

describe('TAP from tap 16.3 (real captures)', () => {
  const expected = {
    'test/index.js > math > should be equal': 'PASSED',
    'test/index.js > math > should be equal [2]': 'PASSED',
    'test/index.js > math > nested > deep assertion': 'PASSED',
    'test/index.js > fails on purpose > adds wrongly': 'FAILED',
    'test/index.js > skipped': 'SKIPPED',
    'test/index.js > todo': 'SKIPPED',
    'test/other.js > math > same title in another file': 'PASSED',
  };

  it('reads raw TAP (--reporter=tap): subtest paths, # time= dropped from names, parents not counted twice', () => {
    const report = tap('tap16-stdout.txt');
    expect(report).toMatchObject({ hasEvidence: true, level: 'assertion' });
    expect(report.tests).toEqual(expected);
    expect(Object.keys(report.tests).some((id) => id.includes('time='))).toBe(false);
  });

  it('reads the same TAP from a report file (tap --output-file)', () => {
    const report = parseReport('tap', { stdout: 'ok 1 - ghost\n1..1\n', stderr: '', reportFile: readCapture('tap/tap16-stdout.txt') });
    expect(report.tests).toEqual(expected);
  });

  it('refuses a subtest stream holding test points the test printed itself', () => {
    const report = tap('tap16-forged-stdout.txt');
    expect(report.hasEvidence).toBe(false);
    expect(report.warnings.join('\n')).toContain('test point 5 where 1 was due');
  });

  it('reads tap -R json with the mocha format and tap -R xunit with the junit format (coarser ids: titles joined by spaces)', () => {
    const json = parseReport('mocha', { stdout: readCapture('tap/tap16-json-stdout.txt'), stderr: '' });
    expect(json.tests).toEqual({
      'test/index.js math should be equal': 'PASSED',
      'test/index.js math should be equal [2]': 'PASSED',
      'test/index.js math nested deep assertion': 'PASSED',
      'test/index.js fails on purpose adds wrongly': 'FAILED',
      'test/index.js skipped': 'SKIPPED',
      'test/index.js todo': 'SKIPPED',
      'test/other.js math same title in another file': 'PASSED',
    });
    const xunit = parseReport('junit', { stdout: readCapture('tap/tap16-xunit-stdout.txt'), stderr: '' });
    expect(Object.keys(xunit.tests)).toHaveLength(7);
    expect(xunit.tests['test/index.js fails on purpose > adds wrongly']).toBe('FAILED');
  });
});

describe('TAP from ava 6.4 --tap (real capture)', () => {
  it('reads a flat stream at test level, ids as ava prints them (file › title)', () => {
    const report = tap('ava-stdout.txt');
    expect(report).toMatchObject({ hasEvidence: true, level: 'test' });
    expect(report.tests).toEqual({
      'math › skipped case': 'SKIPPED',
      'math › todo case': 'SKIPPED',
      'other › adds two numbers': 'PASSED',
      'math › adds two numbers': 'PASSED',
      'math › fails on purpose': 'FAILED',
    });
  });

  it('has no evidence for output that is not TAP, or nothing at all', () => {
    expect(parseReport('tap', { stdout: '', stderr: 'node: not found\n' }).hasEvidence).toBe(false);
    expect(parseReport('tap', { stdout: readCapture('tap/tap16-json-stdout.txt'), stderr: '' }).hasEvidence).toBe(false);
  });
});

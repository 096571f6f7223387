import { describe, expect, it } from 'vitest';
import type { ReportFormat } from '../../src/core/tests.js';
import { parseReport } from '../../src/reports/index.js';
import { readCapture } from './captured-output.js';

/**
 * Outputs of the JavaScript cases of docs/real-repos.md (test state: base + mirror.patch + test.patch), each beside
 * the statuses examples/real/tap-statuses.py, jest-statuses.py or mocha-statuses.py read from the same output (the hand ground truth,
 * written apart from src/reports): the parser must agree test by test.
 */

/** `STATUS id` lines, as id → status. */
function readStatuses(relativePath: string): Record<string, string> {
  const lines = readCapture(relativePath).split('\n').filter(Boolean);
  return Object.fromEntries(lines.map((line) => [line.slice(line.indexOf(' ') + 1), line.slice(0, line.indexOf(' '))]));
}

const CASES: { name: string; format: ReportFormat; capture: string; asFile?: boolean; rootDirectory?: string; count: number; failed: string[]; level: 'test' | 'assertion' }[] = [
  {
    name: 'minimistjs/minimist fdbb909, tape 5.10.2 (`ok N assertion` without " - ", scoped by `# block`)',
    format: 'tap',
    capture: 'minimist-fdbb909-test',
    count: 165,
    failed: ['declared boolean alias overwrites string > should be deeply equivalent [2]'],
    level: 'assertion',
  },
  {
    name: 'ljharb/qs 88e1563, tape 5.10.2 with nested t.test subtests (test/parse.js alone)',
    format: 'tap',
    capture: 'qs-88e1563-test-parse-js',
    count: 373,
    failed: [
      'bracket notation always combines regardless of duplicates > duplicates last: unbracketed takes last, bracketed combines',
      'bracket notation always combines regardless of duplicates > duplicates last: bracketed always combines',
      'bracket notation always combines regardless of duplicates > duplicates first: bracketed always combines',
      'bracket notation always combines regardless of duplicates > duplicates first: unbracketed takes first, bracketed combines',
    ],
    level: 'assertion',
  },
  {
    name: 'npm/node-semver d588e37, tap 16.3.10 raw TAP (`# time=` directives, test/functions/diff.js alone)',
    format: 'tap',
    capture: 'node-semver-d588e37-test-diff-js',
    count: 37,
    failed: [
      'test/functions/diff.js > diff versions test > diff(1.7.2-1, 1.8.1) === minor',
      'test/functions/diff.js > diff versions test > diff(1.1.1-pre, 2.1.1) === major',
      'test/functions/diff.js > diff versions test > diff(1.4.0-1, 2.3.5) === major',
      'test/functions/diff.js > diff versions test > diff(1.6.1-5, 1.7.2) === minor',
    ],
    level: 'assertion',
  },
  {
    name: 'sindresorhus/query-string 38dae7b, ava 6.4.1 --tap (`file › title`)',
    format: 'tap',
    capture: 'query-string-38dae7b-test',
    count: 142,
    failed: ['stringify-url › stringifyUrl uses parsing options when parsing existing query from url'],
    level: 'test',
  },
  {
    name: 'sindresorhus/camelcase e7dccc9, ava 4.3.3 --tap (one test file: bare titles, YAML diagnostics)',
    format: 'tap',
    capture: 'camelcase-e7dccc9-test',
    count: 7,
    failed: ['camelCase', 'camelCase with pascalCase option'],
    level: 'test',
  },
  {
    name: 'pillarjs/path-to-regexp a4a8552, vitest 3.0.5 JSON (absolute paths, positional ids)',
    format: 'vitest',
    capture: 'path-to-regexp-a4a8552-test',
    asFile: true,
    rootDirectory: '/tmp/corpus-js/path-to-regexp',
    count: 262,
    failed: ['src/index.spec.ts > path-to-regexp > stringify undefined with undefined > should stringify the path [10]'],
    level: 'test',
  },
  {
    name: 'jshttp/mime-types 7c3c63d, mocha 10.2.0 JSON reporter (`file > fullTitle`)',
    format: 'mocha',
    capture: 'mime-types-7c3c63d-test',
    asFile: true,
    rootDirectory: '/tmp/corpus-js/mime-types',
    count: 47,
    failed: ['test/test.js > mimeTypes .lookup(extension) should return mime type for ".mp4"'],
    level: 'test',
  },
];

describe('real corpus (JavaScript): parsers agree with the hand-read statuses', () => {
  for (const testCase of CASES) {
    it(testCase.name, () => {
      const output = readCapture(`real-corpus-js/${testCase.capture}.${testCase.asFile ? 'json' : 'tap'}`);
      const report = parseReport(testCase.format, {
        stdout: testCase.asFile ? '' : output,
        stderr: '',
        ...(testCase.asFile ? { reportFile: output } : {}),
        ...(testCase.rootDirectory ? { rootDirectory: testCase.rootDirectory } : {}),
      });
      const expected = readStatuses(`real-corpus-js/${testCase.capture}.statuses`);
      expect(report.hasEvidence).toBe(true);
      // Repeated names (`should be deeply equivalent`, table rows) are numbered and said so; nothing else is warned.
      expect(report.warnings.filter((warning) => !warning.includes('test id(s) repeated'))).toEqual([]);
      expect(report.level).toBe(testCase.level);
      expect(Object.keys(expected)).toHaveLength(testCase.count);
      expect(report.tests).toEqual(expected);
      const failed = Object.keys(report.tests).filter((id) => report.tests[id] === 'FAILED');
      expect(failed.sort()).toEqual([...testCase.failed].sort());
    });
  }

  it('ava names tests by the files it was given: one file run alone shares no id with the full run (why an ava gym has no filesCommand)', () => {
    const full = parseReport('tap', { stdout: readCapture('real-corpus-js/query-string-38dae7b-test.tap'), stderr: '' });
    const oneFile = parseReport('tap', { stdout: readCapture('real-corpus-js/query-string-38dae7b-test-one-file.tap'), stderr: '' });
    expect(oneFile.tests).toEqual(readStatuses('real-corpus-js/query-string-38dae7b-test-one-file.statuses'));
    expect(Object.keys(oneFile.tests)).toHaveLength(9);
    expect(oneFile.tests['stringify URL with a query string']).toBe('PASSED');
    expect(full.tests['stringify-url › stringify URL with a query string']).toBe('PASSED');
    expect(Object.keys(oneFile.tests).filter((id) => id in full.tests)).toEqual([]);
  });
});

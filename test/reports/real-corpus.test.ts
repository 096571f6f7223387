import { describe, expect, it } from 'vitest';
import { parseReport } from '../../src/reports/index.js';
import { readCapture } from './captured-output.js';

/**
 * Outputs of real suites from the docs/real-repos.md corpus, each beside the statuses examples/real/statuses.py read
 * from the same output by hand-written regular expressions (the ground truth): the parser must agree test by test.
 */

/** `<status> <id>` lines of statuses.py, as id → status. */
function readStatuses(relativePath: string): Map<string, string> {
  const lines = readCapture(relativePath).split('\n').filter(Boolean);
  return new Map(lines.map((line) => [line.slice(line.indexOf(' ') + 1), line.slice(0, line.indexOf(' '))]));
}

const CARGO_STATUS: Record<string, string> = { ok: 'PASSED', FAILED: 'FAILED', ignored: 'SKIPPED' };

/** statuses.py's cargo ids (`<test crate>::<libtest name>`) as swe-mirror words them: doc tests without ` (line N)`. */
function asCargoIds(statuses: Map<string, string>): Record<string, string> {
  return Object.fromEntries([...statuses].map(([id, status]) => [id.replace(/ \(line \d+\)/, ''), CARGO_STATUS[status] ?? status]));
}

describe('real corpus: seanmonstar/httparse 9f6702b (cargo 1.95), doc tests 4 lines lower in fix', () => {
  const test = parseReport('cargo', { stdout: readCapture('real-corpus/httparse-9f6702b-test.txt'), stderr: '' });
  const fix = parseReport('cargo', { stdout: readCapture('real-corpus/httparse-9f6702b-fix.txt'), stderr: '' });

  it('reads every test with the status libtest printed (lib, tests/uri.rs, doc tests)', () => {
    for (const [report, statuses] of [[test, 'real-corpus/httparse-9f6702b-test.statuses'], [fix, 'real-corpus/httparse-9f6702b-fix.statuses']] as const) {
      expect(report.hasEvidence).toBe(true);
      expect(Object.keys(report.tests)).toHaveLength(365);
      expect(report.tests).toEqual(asCargoIds(readStatuses(statuses)));
    }
  });

  it('gives the shifted doc tests the same ids in both states, and only the two new tests change', () => {
    expect(readCapture('real-corpus/httparse-9f6702b-test.txt')).toContain('src/lib.rs - parse_headers (line 995)');
    expect(readCapture('real-corpus/httparse-9f6702b-fix.txt')).toContain('src/lib.rs - parse_headers (line 999)');
    expect(Object.keys(fix.tests).sort()).toEqual(Object.keys(test.tests).sort());
    expect(test.tests['httparse::src/lib.rs - parse_headers']).toBe('PASSED');
    const changed = Object.keys(test.tests).filter((id) => test.tests[id] !== fix.tests[id]);
    expect(changed.sort()).toEqual(['httparse::tests::test_request_with_invalid_method', 'httparse::tests::test_request_with_leading_space']);
  });
});

describe('real corpus: andialbrecht/sqlparse f66d12c (pytest 9.2 -rA)', () => {
  it('reads all 493 node ids, parametrised ids with spaces included, XFAIL as skipped', () => {
    const report = parseReport('pytest-ra', { stdout: readCapture('real-corpus/sqlparse-f66d12c-test.txt'), stderr: '', rootDirectory: '/tmp/corpus-pgr/sqlparse' });
    const pytestStatus: Record<string, string> = { PASSED: 'PASSED', XPASS: 'PASSED', FAILED: 'FAILED', ERROR: 'FAILED', XFAIL: 'SKIPPED', SKIPPED: 'SKIPPED' };
    const expected = Object.fromEntries([...readStatuses('real-corpus/sqlparse-f66d12c-test.statuses')].map(([id, status]) => [id, pytestStatus[status] ?? status]));
    expect(Object.keys(expected)).toHaveLength(493);
    expect(report.tests).toEqual(expected);
    expect(report.tests['tests/test_format.py::test_truncate_strings_doesnt_truncate_identifiers[select verrrylongcolumn from foo]']).toBe('PASSED');
    expect(Object.entries(report.tests).filter(([, status]) => status === 'FAILED')).toEqual([['tests/test_parse.py::test_get_real_name_multi_part_dotted', 'FAILED']]);
  });

  it('gives the same node ids and statuses from its JUnit XML (xunit2, no file attribute; dots and :: inside parameters)', () => {
    const rootDirectory = '/tmp/corpus-pgr/sqlparse';
    const fromSummary = parseReport('pytest-ra', { stdout: readCapture('real-corpus/sqlparse-f66d12c-test.txt'), stderr: '', rootDirectory });
    const fromJunit = parseReport('pytest-junit', { stdout: '', stderr: '', reportFile: readCapture('real-corpus/sqlparse-f66d12c-test-junit.xml'), rootDirectory });
    expect(fromJunit.warnings).toEqual([]);
    expect(fromJunit.tests).toEqual(fromSummary.tests);
    expect(fromJunit.tests['tests/test_regressions.py::test_issue78[get_name-z-select x.y::text as z from foo]']).toBe('PASSED');
  });
});

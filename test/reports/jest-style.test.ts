import { describe, expect, it } from 'vitest';
import { parseReport } from '../../src/reports/index.js';
import { CAPTURE_ROOT, readCapture } from './captured-output.js';

const EXPECTED_JEST_STYLE = {
  'test/math.test.js > math > add > adds two numbers': 'PASSED',
  'test/math.test.js > math > add > handles negatives': 'FAILED',
  'test/math.test.js > math > skipped case': 'SKIPPED',
  'test/math.test.js > math > todo case': 'SKIPPED',
  'test/math.test.js > math > sum of 1 and 1 is 2': 'PASSED',
  'test/math.test.js > math > sum of 2 and 2 is 4': 'PASSED',
  'test/math.test.js > math > sum of 1 and 1 is 3': 'FAILED',
  'test/math.test.js > math > repeated row': 'PASSED',
  'test/math.test.js > math > repeated row [2]': 'PASSED',
  'test/math.test.js > top level test': 'PASSED',
  'test/strings.test.js > math > add > adds two numbers': 'PASSED',
  'test/strings.test.js > throws an error': 'FAILED',
  'test/strings.test.js > top level test': 'PASSED',
  'test/broken.test.js': 'FAILED',
};

describe('jest JSON report (jest 29, real capture)', () => {
  const input = {
    stdout: readCapture('jest/stdout.txt'),
    stderr: readCapture('jest/stderr.txt'),
    reportFile: readCapture('jest/report.json'),
    rootDirectory: `${CAPTURE_ROOT}/js-jest`,
  };

  it('reads every test with file-qualified ids and statuses', () => {
    const report = parseReport('jest', input);
    expect(report.hasEvidence).toBe(true);
    expect(report.level).toBe('test');
    expect(report.tests).toEqual(EXPECTED_JEST_STYLE);
    expect(report.warnings.join('\n')).toContain('test/broken.test.js failed outside its tests');
  });

  it('falls back to the common directory of the test files without a root, and says so', () => {
    const { rootDirectory: _unused, ...withoutRoot } = input;
    const report = parseReport('jest', withoutRoot);
    expect(Object.keys(report.tests)).toContain('math.test.js > math > add > adds two numbers');
    expect(report.warnings.join('\n')).toContain('no root directory was given');
  });

  it('reads the JSON from stdout when there is no report file (jest --json without --outputFile)', () => {
    const report = parseReport('jest', {
      stdout: `some noise\n${readCapture('jest/report.json').replace(/\n/g, '')}\n`,
      stderr: '',
      rootDirectory: `${CAPTURE_ROOT}/js-jest`,
    });
    expect(report.tests).toEqual(EXPECTED_JEST_STYLE);
  });
});

describe('vitest JSON report (vitest 3, real capture)', () => {
  it('reads every test with file-qualified ids and statuses', () => {
    const report = parseReport('vitest', {
      stdout: readCapture('vitest/stdout.txt'),
      stderr: readCapture('vitest/stderr.txt'),
      reportFile: readCapture('vitest/report.json'),
      rootDirectory: `${CAPTURE_ROOT}/js-vitest`,
    });
    expect(report.hasEvidence).toBe(true);
    expect(report.tests).toEqual(EXPECTED_JEST_STYLE);
    expect(report.warnings.join('\n')).toContain("Cannot find module './does-not-exist.js'");
  });

  it('has no evidence when the report file is missing and stdout holds only the banner', () => {
    const report = parseReport('vitest', { stdout: 'JSON report written to /x/report.json\n', stderr: '' });
    expect(report.hasEvidence).toBe(false);
    expect(report.tests).toEqual({});
    expect(report.warnings.join('\n')).toContain('the report file is missing');
  });
});

describe('jest 22 JSON (jest 22.4, real capture of sources/js-jest22 with --env=node)', () => {
  const reportFile = readCapture('jest22/report.json');
  const input = { stdout: '', stderr: '', reportFile, rootDirectory: '/tmp/rcap/jest22' };

  it('coerces non-string titles as jest fullName does', () => {
    const report = parseReport('jest', input);
    expect(report.hasEvidence).toBe(true);
    expect(report.tests).toEqual({
      'test/dates.test.js > dates > 2010,6': 'PASSED',
      'test/dates.test.js > dates > 42': 'FAILED',
      'test/dates.test.js > dates > plain title': 'PASSED',
      'test/dates.test.js > 7 > inside a numeric describe': 'PASSED',
    });
  });

  it('ignores one odd row with a warning naming its path, keeping the rest', () => {
    const value = JSON.parse(reportFile) as { testResults: { assertionResults: Record<string, unknown>[] }[] };
    delete value.testResults[0]?.assertionResults[1]?.status;
    const report = parseReport('jest', { ...input, reportFile: JSON.stringify(value) });
    expect(Object.keys(report.tests)).toHaveLength(3);
    expect(report.warnings.join('\n')).toContain('testResults.0.assertionResults.1.status: expected string, received undefined');
  });

  it('names the path and the problem when the JSON is not a jest report', () => {
    const report = parseReport('jest', { ...input, reportFile: JSON.stringify({ testResults: 'none' }) });
    expect(report.hasEvidence).toBe(false);
    expect(report.warnings.join('\n')).toContain('testResults: expected array, received string');
  });
});

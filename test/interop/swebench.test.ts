import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPORT_FORMATS, type ReportFormat } from '../../src/core/tests.js';
import type { ExportResult } from '../../src/dataset/export.js';
import { parseReport } from '../../src/reports/index.js';
import { exportCalcTasks } from '../validate/calc-export.js';
import { SKIP_REASON, hasInteropPython, runInteropScript } from './python-venv.js';

const REPOSITORY = path.resolve(import.meta.dirname, '..', '..');
let exported: ExportResult | undefined;
afterAll(async () => {
  if (exported) await rm(path.dirname(exported.sweBenchFile), { recursive: true, force: true });
});

interface Grade {
  resolved: boolean;
  resolved_with_swe_mirror_parser: boolean;
  applied: boolean;
  exit_code: number | null;
  fail_to_pass_failures: string[];
}

describe.skipIf(!hasInteropPython)(`swebench 5 grades exported tasks${hasInteropPython ? '' : ` (skipped: ${SKIP_REASON})`}`, () => {
  it('builds a test spec from every record and grades the gold patch resolved and an empty patch unresolved', async () => {
    exported = await exportCalcTasks();
    const { registered, results } = runInteropScript('grade_with_swebench.py', exported.sweBenchFile, path.dirname(exported.sweBenchFile)) as {
      registered: string[];
      results: Array<{ instance_id: string; log_parser: string; eval_type: string; image: string; gold: Grade; empty: Grade }>;
    };
    expect(registered).toContain('swe_mirror_go_json');
    expect(results.map((result) => result.instance_id)).toEqual(['calc-add', 'calc-mul']);
    for (const result of results) {
      expect(result).toMatchObject({ log_parser: 'parse_log_pytest', eval_type: 'pass_and_fail' });
      expect(result.image).toMatch(/^swe-mirror\/sweb\.eval\.x86_64\.calc-(add|mul):latest$/);
      // The exit code swebench records is the tests' own: 0 with the fix, 1 without (not the 0 of an assignment).
      expect(result.gold).toEqual({ resolved: true, resolved_with_swe_mirror_parser: true, applied: true, exit_code: 0, fail_to_pass_failures: [] });
      expect(result.empty).toMatchObject({ resolved: false, resolved_with_swe_mirror_parser: false, applied: true, exit_code: 1 });
      expect(result.empty.fail_to_pass_failures).toHaveLength(1);
    }
  }, 240_000);

  it.each([
    ['go-json', 'go-json/stdout.jsonl'],
    ['pytest-ra', 'pytest-ra/ra-verbose-color.txt'],
  ] as Array<[ReportFormat, string]>)('the registered %s parser reads a real runner output exactly as swe-mirror does', (format, fixture) => {
    const file = path.join(REPOSITORY, 'test', 'fixtures', 'reports', fixture);
    const expected = parseReport(format, { stdout: readFileSync(file, 'utf8'), stderr: '' }).tests;
    expect(Object.keys(expected).length).toBeGreaterThan(3);
    expect(runInteropScript('parse_fixture.py', format, file)).toEqual(expected);
  }, 60_000);

  it('knows every report format swe-mirror has', () => {
    const source = readFileSync(path.join(REPOSITORY, 'python', 'swe_mirror_swebench.py'), 'utf8');
    for (const format of REPORT_FORMATS) expect(source).toContain(`"${format}"`);
  });
});

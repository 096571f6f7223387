import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExportResult } from '../../src/dataset/export.js';
import type { Task } from '../../src/core/records.js';
import { BASE_TEST, calcTasks, exportCalcTasks } from '../validate/calc-export.js';
import { SKIP_REASON, hasInteropPython, runInteropScript } from './python-venv.js';

let exported: ExportResult | undefined;
const scratch = mkdtempSync(path.join(tmpdir(), 'swe-mirror-msb-'));
afterAll(async () => {
  if (exported) await rm(path.dirname(exported.sweBenchFile), { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

describe.skipIf(!hasInteropPython)(`Multi-SWE-bench reads the export${hasInteropPython ? '' : ` (skipped: ${SKIP_REASON})`}`, () => {
  it('loads every record with its lang, and the registered instance parses a real eval log into the same ids', async () => {
    // The per-test {run, test, fix} statuses the verifier would have recorded, from which the buckets are read.
    const tasks = calcTasks().map((task) => ({
      ...task,
      tests: {
        [task.FAIL_TO_PASS[0]!]: { run: 'NONE', test: 'FAILED', fix: 'PASSED' },
        [BASE_TEST]: { run: 'PASSED', test: 'PASSED', fix: 'PASSED' },
      } satisfies Task['tests'],
    }));
    exported = await exportCalcTasks(tasks);
    // A real log: the exported eval script of calc-add, run at its buggy commit (the hidden test fails).
    const [add] = readFileSync(exported.sweBenchFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { base_commit: string; eval_script: string });
    const clone = path.join(scratch, 'clone');
    spawnSync('git', ['clone', '-q', exported.bundles[0]!, clone]);
    spawnSync('git', ['checkout', '-q', add!.base_commit], { cwd: clone });
    const run = spawnSync('bash', ['-c', add!.eval_script], { cwd: clone, encoding: 'utf8' });
    const log = path.join(scratch, 'calc-add.log');
    writeFileSync(log, run.stdout + run.stderr);

    const result = runInteropScript('load_with_multi_swe_bench.py', path.dirname(exported.sweBenchFile), log) as {
      registered: string[];
      records: Array<{ org: string; repo: string; number: number; lang: string; f2p: string[]; run_passed: number; instance: string; parsed_passed: string[]; parsed_failed: string[] }>;
    };
    expect(result.registered).toEqual(['swe-mirror/calc']);
    expect(result.records.map(({ org, repo, number, lang, f2p }) => ({ org, repo, number, lang, f2p }))).toEqual([
      { org: 'swe-mirror', repo: 'calc', number: 1, lang: 'python', f2p: ['tests/test_add.py::test_add'] },
      { org: 'swe-mirror', repo: 'calc', number: 2, lang: 'python', f2p: ['tests/test_mul.py::test_mul'] },
    ]);
    expect(result.records.map((record) => record.run_passed)).toEqual([1, 1]);
    expect(result.records[0]).toMatchObject({ instance: 'SweMirrorInstance', parsed_failed: ['tests/test_add.py::test_add'], parsed_passed: ['tests/test_base.py::test_ok'] });
  }, 240_000);
});

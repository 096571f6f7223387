import { spawnAsync } from '../support/spawn-async.js';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportResult } from '../../src/dataset/export.js';
import { validateExport, type ValidateExportEvent } from '../../src/validate/validate-export.js';
import { ADD_TEST, BASE_TEST, MUL_NON_FIX, MUL_TEST, exportCalcTasks } from './calc-export.js';

const REPOSITORY_ROOT = path.resolve(import.meta.dirname, '..', '..');

async function readRecords(file: string): Promise<Array<Record<string, unknown>>> {
  return (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Write other lines beside the export's tasks.jsonl, so gyms/ and bundles/ are found. */
async function writeBeside(exported: ExportResult, name: string, lines: string[]): Promise<string> {
  const file = path.join(path.dirname(exported.sweBenchFile), name);
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

function runCli(...args: string[]) {
  return spawnAsync(process.execPath, ['--import', 'tsx', path.join(REPOSITORY_ROOT, 'src', 'cli', 'main.ts'), 'validate-export', ...args], {
    cwd: REPOSITORY_ROOT,
    encoding: 'utf8',
  });
}

describe('validateExport', () => {
  let exported: ExportResult;
  let dataDirectory: string;
  const copies: string[] = [];

  beforeAll(async () => {
    exported = await exportCalcTasks();
    dataDirectory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-validate-data-'));
  });

  afterAll(async () => {
    for (const directory of [path.dirname(exported.sweBenchFile), dataDirectory, ...copies]) await rm(directory, { recursive: true, force: true });
  });

  it('re-prepares the gym from the bundle alone and agrees on every exported task', async () => {
    const events: ValidateExportEvent[] = [];
    const result = await validateExport({ tasksFile: exported.sweBenchFile, onEvent: (event) => events.push(event) });

    expect(result.gyms).toEqual([expect.objectContaining({ name: 'calc', prepared: true })]);
    expect(result.tasks.map((task) => [task.instanceId, task.agreed, task.error])).toEqual([
      ['calc-add', true, undefined],
      ['calc-mul', true, undefined],
    ]);
    expect(result).toMatchObject({ total: 2, agreed: 2, disagreed: 0, errored: 0, agreementPercent: 100 });
    expect(result.tasks[0]?.durationsMs.beforeFix).toBeGreaterThan(0);
    expect(result.tasks[0]?.durationsMs.afterFix).toBeGreaterThan(0);
    // A real install and baseline ran on a fresh copy: not a cached gym.
    const prepareEvents = events.flatMap((event) => (event.type === 'gym-prepare' ? [event.event.type] : []));
    expect(prepareEvents).toContain('baseline-run');
    expect(prepareEvents).not.toContain('cached');
  });

  it('names the tests that contradict a tampered record, and keeps checking the other tasks', async () => {
    const [add, mul] = await readRecords(exported.sweBenchFile);
    const lines = [
      // A PASS_TO_PASS claim for a test that fails before the fix.
      JSON.stringify({ ...add, PASS_TO_PASS: [BASE_TEST, ADD_TEST] }),
      'this is not json',
      // A "fix" that applies but leaves the bug in place.
      JSON.stringify({ ...mul, patch: MUL_NON_FIX }),
      JSON.stringify({ ...add, instance_id: 'calc-add-no-tests', test_patch: undefined }),
      // A FAIL_TO_PASS claim for a test that already passes with the bug; lists in the JSON-string form.
      JSON.stringify({ ...add, instance_id: 'calc-add-string-lists', FAIL_TO_PASS: JSON.stringify([ADD_TEST, BASE_TEST]), PASS_TO_PASS: '[]' }),
    ];
    const tasksFile = await writeBeside(exported, 'tampered.jsonl', lines);
    const result = await validateExport({ tasksFile, dataDirectory });

    expect(result).toMatchObject({ total: 5, agreed: 0, disagreed: 3, errored: 2, agreementPercent: 0 });
    const [tamperedPassToPass, notJson, nonFix, missingField, tamperedFailToPass] = result.tasks;
    expect(tamperedPassToPass?.disagreements).toEqual([{ test: ADD_TEST, list: 'PASS_TO_PASS', state: 'before-fix', expected: 'pass', got: 'FAILED' }]);
    expect(nonFix?.instanceId).toBe('calc-mul');
    expect(nonFix?.disagreements).toEqual([{ test: MUL_TEST, list: 'FAIL_TO_PASS', state: 'after-fix', expected: 'pass', got: 'FAILED' }]);
    expect(tamperedFailToPass?.disagreements).toEqual([{ test: BASE_TEST, list: 'FAIL_TO_PASS', state: 'before-fix', expected: 'fail', got: 'PASSED' }]);
    expect(notJson).toMatchObject({ instanceId: 'line 2', agreed: false, error: { code: 'EXPORT_RECORD_INVALID', kind: 'user' } });
    expect(notJson?.error?.message).toContain(`${tasksFile}:2 is not valid JSON`);
    expect(missingField?.error?.message).toMatch(/tampered\.jsonl:4 \(calc-add-no-tests\) is not a task record: test_patch/);
  });

  it('reports a missing bundle for every task of that gym, naming the file and what to do', async () => {
    const copy = await mkdtemp(path.join(tmpdir(), 'swe-mirror-validate-copy-'));
    copies.push(copy);
    await cp(path.dirname(exported.sweBenchFile), copy, { recursive: true });
    await rm(path.join(copy, 'bundles'), { recursive: true });
    const result = await validateExport({ tasksFile: path.join(copy, 'tasks.jsonl') });

    expect(result).toMatchObject({ total: 2, agreed: 0, errored: 2 });
    expect(result.gyms[0]).toMatchObject({ name: 'calc', prepared: false, error: { code: 'EXPORT_BUNDLE_MISSING', kind: 'user' } });
    expect(result.tasks[0]?.error?.message).toContain(path.join(copy, 'bundles', 'calc.bundle'));
    expect(result.tasks[0]?.error?.hint).toMatch(/bundles\/ folder/);
  });

  it('refuses an unreadable tasks file with a user error', async () => {
    await expect(validateExport({ tasksFile: path.join(tmpdir(), 'no-such-export', 'tasks.jsonl') })).rejects.toMatchObject({
      code: 'EXPORT_TASKS_NOT_FOUND',
      kind: 'user',
    });
  });

  it('the CLI prints one line per task and the agreement, exiting 0 only at 100%', async () => {
    // One task per file keeps the suite runs few; the library tests above cover the rest.
    const [add] = await readRecords(exported.sweBenchFile);
    const agreeing = await runCli(await writeBeside(exported, 'one-good.jsonl', [JSON.stringify(add)]), '--data-dir', dataDirectory);
    expect(agreeing.stdout).toMatch(/^OK {8}calc-add .*\nagreement: 1\/1 \(100%\)/);
    expect(agreeing.status).toBe(0);

    const tasksFile = await writeBeside(exported, 'one-bad.jsonl', [JSON.stringify(add), '{"instance_id": 3']);
    const disagreeing = await runCli(tasksFile, '--data-dir', dataDirectory);
    expect(disagreeing.stdout).toContain('OK        calc-add');
    expect(disagreeing.stdout).toContain('ERROR     line 2');
    expect(disagreeing.stdout).toContain('agreement: 1/2 (50.0%), 1 could not be checked');
    expect(disagreeing.stderr).not.toMatch(/\n\s+at /);
    expect(disagreeing.status).toBe(1);

    const missing = await runCli(path.join(tmpdir(), 'no-such-export', 'tasks.jsonl'));
    expect(missing.stderr).toMatch(/^swe-mirror: Cannot read .*tasks\.jsonl: ENOENT\.\n {2}hint: Pass the tasks\.jsonl written by `swe-mirror export`/);
    expect(missing.status).toBe(2);
  });
});

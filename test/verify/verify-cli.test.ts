import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnAsync } from '../support/spawn-async.js';
import { removeDirectory } from './support/git-repo.js';
import { buildCalcTasks, createCalcGym } from './support/pytest-gym.js';

const REPOSITORY = path.resolve(import.meta.dirname, '..', '..');
let source: string;
let scratch: string;
let tasks: ReturnType<typeof buildCalcTasks>;

beforeAll(() => {
  source = createCalcGym();
  tasks = buildCalcTasks(source);
  scratch = mkdtempSync(path.join(os.tmpdir(), 'swe-mirror-verify-cli-'));
});

afterAll(() => {
  removeDirectory(source);
  removeDirectory(scratch);
});

/** Write a task directory with the given patch files. */
function taskDirectory(name: string, files: Record<string, string>): string {
  const directory = path.join(scratch, name);
  mkdirSync(directory, { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(path.join(directory, file), content);
  return directory;
}

/** Run the real CLI as a user would. */
async function sweMirror(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const result = await spawnAsync(process.execPath, ['--import', 'tsx', path.join(REPOSITORY, 'src/cli/main.ts'), ...args], {
    cwd: REPOSITORY,
    encoding: 'utf8',
    env: { ...process.env, SWE_MIRROR_DATA_DIR: path.join(scratch, 'data') },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('swe-mirror verify', async () => {
  it('prints VALID with FAIL_TO_PASS, writes verdict.json and exits 0', async () => {
    const task = taskDirectory('valid', { 'mirror.patch': tasks.valid.mirror, 'test.patch': tasks.valid.test });
    const result = await sweMirror('verify', '--gym', path.join(source, 'gym.yaml'), '--task', task, '--runs', '1');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^VALID {2}calc · /);
    expect(result.stdout).toContain('FAIL_TO_PASS (1):\n  tests/test_calc.py::test_clamp_above\n');
    expect(result.stdout).toContain('PASS_TO_PASS: 2 test(s)');
    expect(result.stdout).toMatch(/ {2}fix {2}#1 .* 3 passed, 0 failed, 0 skipped/);
    const verdict = JSON.parse(readFileSync(path.join(task, 'verdict.json'), 'utf8'));
    expect(verdict).toMatchObject({
      valid: true,
      reasons: [],
      FAIL_TO_PASS: ['tests/test_calc.py::test_clamp_above'],
      PASS_TO_PASS: ['tests/test_calc.py::test_add', 'tests/test_calc.py::test_clamp_inside'],
      gym: 'calc',
      fixPatch: 'inverse of mirror.patch',
      runner: 'python -m pytest -rA -p no:cacheprovider',
      parser: 'pytest-ra',
    });
    expect(verdict.runs.map((run: { state: string }) => run.state)).toEqual(['run', 'test', 'fix']);
    expect(verdict.tests['tests/test_calc.py::test_clamp_above']).toEqual({ run: 'NONE', test: 'FAILED', fix: 'PASSED' });
  });

  it('prints INVALID with each failed rule, writes to --out and exits 1', async () => {
    const task = taskDirectory('touches-tests', { 'mirror.patch': tasks['mirror-touches-tests'].mirror, 'test.patch': tasks.valid.test });
    const out = path.join(scratch, 'elsewhere', 'verdict.json');
    const result = await sweMirror('verify', '--gym', path.join(source, 'gym.yaml'), '--task', task, '--out', out);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('INVALID');
    expect(result.stdout).toContain('  ✗ sanity: mirror.patch must change only non-test files, but it changes test files: tests/helpers.py.\n      tests/helpers.py\n');
    expect(JSON.parse(readFileSync(out, 'utf8')).valid).toBe(false);
  });

  it('answers a missing patch or a bad option with a message and exit 2, no stack trace', async () => {
    const task = taskDirectory('no-test-patch', { 'mirror.patch': tasks.valid.mirror });
    const missing = await sweMirror('verify', '--gym', path.join(source, 'gym.yaml'), '--task', task);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain(`swe-mirror: Cannot read ${path.join(task, 'test.patch')}.`);
    expect(missing.stderr).toContain('hint: The task directory must hold mirror.patch and test.patch');
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    const badRuns = await sweMirror('verify', '--gym', path.join(source, 'gym.yaml'), '--task', task, '--runs', '0');
    expect(badRuns.status).toBe(2);
    expect(badRuns.stderr).toContain('--runs must be a positive integer, got "0".');
  });
});

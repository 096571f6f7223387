import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { hasStackTrace, PYTHON_GYM_SPEC, REPOSITORY_ROOT, runCli, writePipelineConfig, type CliResult } from '../support/pipeline-cli.js';

// Every case runs the real CLI: exit 2, one clear line (plus its hint), never a stack trace.
const VALID_TASK = path.join(REPOSITORY_ROOT, 'test/fixtures/gyms/python-pytest/tasks/valid');

function expectUserError(result: CliResult, text: string | RegExp): void {
  expect(result.code, result.output).toBe(2);
  expect(result.stderr).toMatch(typeof text === 'string' ? new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : text);
  expect(result.stderr.startsWith('swe-mirror: '), result.stderr).toBe(true);
  expect(hasStackTrace(result.output), result.output).toBe(false);
}

/**
 * A way to make a directory read-only that binds even root: a read-only bind mount in a private mount
 * namespace (`unshare -rm`), or chmod for a non-root user.
 */
function readOnlyWrapper(directory: string): string[] | 'chmod' | undefined {
  if (process.getuid?.() !== 0) return 'chmod';
  const script = 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" "$0" && exec "$@"';
  const probe = spawnSync('unshare', ['-rm', 'sh', '-c', script, directory, 'true'], { stdio: 'ignore' });
  return probe.status === 0 ? ['unshare', '-rm', 'sh', '-c', script, directory] : undefined;
}

async function runInReadOnly(directory: string, args: string[]): Promise<CliResult> {
  const wrapper = readOnlyWrapper(directory);
  if (wrapper === 'chmod') {
    await chmod(directory, 0o555);
    try {
      return await runCli(args);
    } finally {
      await chmod(directory, 0o755);
    }
  }
  return runCli(args, { wrapper: wrapper ?? [] });
}

async function taskCopy(edit: (files: { mirror: Buffer; test: Buffer }) => { mirror?: Buffer; test?: Buffer }): Promise<string> {
  const directory = path.join(await mkdtemp(path.join(tmpdir(), 'swe-mirror-bad-task-')), 'task');
  await cp(VALID_TASK, directory, { recursive: true });
  const files = { mirror: await readFile(path.join(directory, 'mirror.patch')), test: await readFile(path.join(directory, 'test.patch')) };
  const changed = edit(files);
  if (changed.mirror) await writeFile(path.join(directory, 'mirror.patch'), changed.mirror);
  if (changed.test) await writeFile(path.join(directory, 'test.patch'), changed.test);
  return directory;
}

const toCrlf = (bytes: Buffer) => Buffer.from(bytes.toString('utf8').replace(/\n/g, '\r\n'), 'utf8');

describe('bad input gets exit 2 and one clear line', { timeout: 120_000 }, () => {
  let work: string;
  let emptyStore: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'swe-mirror-bad-input-'));
    emptyStore = path.join(work, 'empty.sqlite');
    Store.open(emptyStore).close();
  });

  it('a gym whose repo path does not exist', async () => {
    const spec = path.join(work, 'missing-repo.yaml');
    await writeFile(spec, ['name: missing', 'language: python', 'repo: ./no-such-dir', 'test:', '  command: pytest -rA', '  report: { format: pytest-ra }', 'testFiles: ["tests/**"]'].join('\n'));
    const verify = await runCli(['verify', '--gym', spec, '--task', VALID_TASK]);
    expectUserError(verify, 'does not exist');
    expect(verify.stderr).toContain(`(${path.join(work, 'no-such-dir')})`);
    expectUserError(await runCli(['gym', 'prepare', spec]), 'does not exist');
  });

  it('a store file that is not SQLite, for status, export and run alike', async () => {
    const garbage = path.join(work, 'garbage.sqlite');
    await writeFile(garbage, 'this is not a database\n'.repeat(100));
    const message = `The store ${garbage} is not an SQLite database`;
    expectUserError(await runCli(['status', '--store', garbage]), message);
    expectUserError(await runCli(['export', '--store', garbage, '--out', path.join(work, 'export-garbage')]), message);
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-bad-store-run-'));
    const config = await writePipelineConfig(directory, 'http://127.0.0.1:9/v1', { extraLines: [`store: ${garbage}`] });
    expectUserError(await runCli(['run', '--config', config, '--unsafe-no-sandbox']), message);
    expect((await readFile(garbage, 'utf8')).startsWith('this is not a database')).toBe(true);
  });

  it('a read-only output directory, existing or to be created inside it', async () => {
    const readOnly = await mkdtemp(path.join(tmpdir(), 'swe-mirror-readonly-'));
    expect(readOnlyWrapper(readOnly), 'no way to make a read-only directory here').toBeDefined();
    const existing = await runInReadOnly(readOnly, ['export', '--store', emptyStore, '--out', readOnly]);
    expectUserError(existing, /The output directory .* cannot be written: (it is on a read-only file system|you may not write there)/);
    const nested = await runInReadOnly(readOnly, ['export', '--store', emptyStore, '--out', path.join(readOnly, 'a', 'b')]);
    expectUserError(nested, /The output directory .*a\/b cannot be created: (it is on a read-only file system|you may not write there)/);

    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-readonly-run-'));
    const config = await writePipelineConfig(directory, 'http://127.0.0.1:9/v1', { outputDirectory: path.join(readOnly, 'out') });
    expectUserError(await runInReadOnly(readOnly, ['run', '--config', config, '--unsafe-no-sandbox']), /The output directory .*out cannot be created/);
    const verify = await runInReadOnly(readOnly, ['verify', '--gym', PYTHON_GYM_SPEC, '--task', VALID_TASK, '--out', path.join(readOnly, 'verdict.json')]);
    expectUserError(verify, /The verdict directory .* cannot be written/);
    expect(verify.stderr).not.toMatch(/^run 1\//m);
  });

  it('a missing output directory is created; one that is a file is refused', async () => {
    const missing = path.join(work, 'not', 'yet', 'there');
    const created = await runCli(['export', '--store', emptyStore, '--out', missing]);
    expect(created.code, created.output).toBe(0);
    expect(existsSync(path.join(missing, 'tasks.jsonl'))).toBe(true);

    const file = path.join(work, 'a-file');
    await writeFile(file, 'x');
    expectUserError(await runCli(['export', '--store', emptyStore, '--out', file]), `${file} is a file, not a directory`);
    expectUserError(await runCli(['export', '--store', emptyStore, '--out', path.join(file, 'inside')]), `${file} is a file, not a directory`);
  });

  it('patch bytes that are not UTF-8 are refused, and the file is left as it was', async () => {
    let original = Buffer.alloc(0);
    const task = await taskCopy(({ mirror }) => {
      const at = mirror.indexOf('+    return (str(left)');
      original = Buffer.concat([mirror.subarray(0, at + 1), Buffer.from([0xff, 0xfe]), mirror.subarray(at + 1)]);
      return { mirror: original };
    });
    const result = await runCli(['verify', '--gym', PYTHON_GYM_SPEC, '--task', task]);
    expectUserError(result, /mirror\.patch is not valid UTF-8 \(byte 0xff at offset \d+, line 18\); swe-mirror will not replace bytes/);
    expect((await readFile(path.join(task, 'mirror.patch'))).equals(original)).toBe(true);
    expect(existsSync(path.join(task, 'verdict.json'))).toBe(false);
  });

  it('CRLF-converted patches are refused with the reason, mirror.patch and test.patch alike', async () => {
    const mirrorTask = await taskCopy(({ mirror }) => ({ mirror: toCrlf(mirror) }));
    expectUserError(await runCli(['verify', '--gym', PYTHON_GYM_SPEC, '--task', mirrorTask]), /mirror\.patch has CRLF \(Windows\) line endings on its diff headers \(line 1\)/);
    const testTask = await taskCopy(({ test }) => ({ test: toCrlf(test) }));
    const result = await runCli(['verify', '--gym', PYTHON_GYM_SPEC, '--task', testTask]);
    expectUserError(result, /test\.patch has CRLF \(Windows\) line endings/);
    expect(result.stderr).toContain('dos2unix');
  });
});

describe('a patch to a file that really uses CRLF', () => {
  it('keeps its carriage returns and is not refused', async () => {
    const { decodePatchBytes } = await import('../../src/edits/patch-text.js');
    const patch = ['diff --git a/x.txt b/x.txt', '--- a/x.txt', '+++ b/x.txt', '@@ -1 +1 @@', '-old\r', '+new\r', ''].join('\n');
    expect(decodePatchBytes(Buffer.from(patch), 'x.patch')).toBe(patch);
  });
});

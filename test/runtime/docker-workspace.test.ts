/**
 * An agent's shell on a docker gym: every command is a fresh container of the gym image, the host workspace (a
 * repository with its own one-commit history, as rollout makes it) copied in by content against the image's commit,
 * its own .git in place of the image's, and what the command changed copied back to the host, .git excepted.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunOptions } from '../../src/core/process.js';
import { createDockerClient } from '../../src/runtime/docker/client.js';
import { createDockerRuntime, type ContainerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { buildGymImage } from '../../src/runtime/docker/gym-image.js';
import { ensureTestBaseImage, isDockerTestable, listContainersOf } from './docker-support.js';

const isTestable = await isDockerTestable();
const MEBIBYTE = 1024 * 1024;
const WORKDIR = '/testbed';
const image = `swe-mirror-test/workspace-probe:${process.pid}`;

describe.skipIf(!isTestable)('docker runtime: a writable agent workspace (real engine)', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'swe-mirror-docker-workspace-'));
  const gymTree = path.join(work, 'gym');
  const workspace = path.join(work, 'workspace');
  let runtime: ContainerRuntime;
  const git = (cwd: string, ...args: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' });
  const options = (): RunOptions => ({ cwd: WORKDIR, timeoutMs: 60_000, memoryBytes: 256 * MEBIBYTE, processLimit: 64, layers: [{ source: workspace, target: WORKDIR, mode: 'writable' }] });
  const sh = (script: string): string[] => ['bash', '-c', script];

  beforeAll(async () => {
    cpSync(path.resolve(import.meta.dirname, 'docker-fixtures'), gymTree, { recursive: true });
    writeFileSync(path.join(gymTree, 'code.txt'), 'fixed\n');
    writeFileSync(path.join(gymTree, 'kept.txt'), 'kept\n');
    writeFileSync(path.join(gymTree, 'gone.txt'), 'gone\n');
    // Enough files for a fresh repository of them to have more loose objects than the runtime packs from.
    mkdirSync(path.join(gymTree, 'many'));
    for (let index = 0; index < 300; index += 1) writeFileSync(path.join(gymTree, 'many', `file-${index}.txt`), `content ${index}\n`);
    git(gymTree, 'init', '-q');
    git(gymTree, 'add', '-A');
    git(gymTree, 'commit', '-qm', 'gym commit: the fixed code');
    const commit = git(gymTree, 'rev-parse', 'HEAD').trim();
    const failed = await buildGymImage(createDockerClient(), { baseImage: await ensureTestBaseImage(), hostTree: gymTree, workdir: WORKDIR, install: [], env: {}, timeoutMs: 120_000, memoryBytes: 512 * MEBIBYTE, tag: image, logDirectory: path.join(work, 'logs') });
    expect(failed).toBeUndefined();
    // The agent's repository: the buggy tree, one commit of its own; the gym's history is not there.
    cpSync(gymTree, workspace, { recursive: true, filter: (source) => path.basename(source) !== '.git' });
    writeFileSync(path.join(workspace, 'code.txt'), 'buggy\n');
    unlinkSync(path.join(workspace, 'gone.txt'));
    git(workspace, 'init', '-q');
    git(workspace, 'add', '-A');
    git(workspace, 'commit', '-qm', 'buggy repository');
    runtime = createDockerRuntime({ image, workdir: WORKDIR, baseCommit: commit, baseRepository: gymTree });
  }, 300_000);

  afterAll(async () => {
    await createDockerClient().getImage(image).remove({ force: true }).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  });

  it("shows the workspace's files and only its own history, never the image's (which holds the fix)", async () => {
    const result = await runtime.run(sh('cat code.txt; test -e gone.txt || echo gone-absent; git log --all --format=%s'), options());
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe('buggy\ngone-absent\nbuggy repository\n');
    expect(await listContainersOf(image)).toEqual([]);
  });

  it("copies what a command changed back to the host workspace, .git excepted, and the next command sees it", async () => {
    const changed = await runtime.run(sh('echo edited > code.txt; echo new > created.txt; mkdir -p sub/dir && echo deep > sub/dir/f.txt; rm kept.txt; ln -s code.txt link; echo planted > .git/planted; chmod +x created.txt'), options());
    expect(changed.exitCode, changed.stderr).toBe(0);
    expect(readFileSync(path.join(workspace, 'code.txt'), 'utf8')).toBe('edited\n');
    expect(readFileSync(path.join(workspace, 'created.txt'), 'utf8')).toBe('new\n');
    expect(lstatSync(path.join(workspace, 'created.txt')).mode & 0o111).not.toBe(0);
    expect(readFileSync(path.join(workspace, 'sub', 'dir', 'f.txt'), 'utf8')).toBe('deep\n');
    expect(existsSync(path.join(workspace, 'kept.txt'))).toBe(false);
    expect(readlinkSync(path.join(workspace, 'link'))).toBe('code.txt');
    expect(existsSync(path.join(workspace, '.git', 'planted'))).toBe(false);
    expect(git(workspace, 'status', '--porcelain').split('\n').filter((line) => line !== '').sort()).toEqual(['?? created.txt', '?? link', '?? sub/', ' D kept.txt', ' M code.txt'].sort());

    const next = await runtime.run(sh('cat code.txt sub/dir/f.txt; test -e kept.txt || echo kept-absent; git status --porcelain | sort'), options());
    expect(next.stdout).toBe(`edited\ndeep\nkept-absent\n${[' D kept.txt', ' M code.txt', '?? created.txt', '?? link', '?? sub/'].sort().join('\n')}\n`);
  });

  // Not on Podman (podman-engine.test.ts): its archive API takes ~0.3 s a file, and copying 300 files back would be most of its CI time.
  it.skipIf(Boolean(process.env.SWE_MIRROR_TEST_PODMAN) && process.env.DOCKER_HOST === process.env.SWE_MIRROR_TEST_PODMAN)('packs a workspace of many loose objects before its .git is copied in (a few files instead of one per object): the container sees the same repository', async () => {
    const many = path.join(work, 'many');
    cpSync(gymTree, many, { recursive: true, filter: (source) => path.basename(source) !== '.git' });
    git(many, 'init', '-q');
    git(many, 'add', '-A');
    git(many, 'commit', '-qm', 'many files');
    const head = git(many, 'rev-parse', 'HEAD');
    const looseCount = (): string | undefined => /^count: (\d+)$/m.exec(git(many, 'count-objects', '-v'))?.[1];
    expect(Number(looseCount())).toBeGreaterThan(300);
    const result = await runtime.run(sh('git log --all --format=%s; git status --porcelain | wc -l; cat many/file-299.txt; find .git/objects -type f | wc -l'), { ...options(), layers: [{ source: many, target: WORKDIR, mode: 'writable' }] });
    expect(result.exitCode, result.stderr).toBe(0);
    const [log, status, content, objectFiles] = result.stdout.trim().split('\n');
    expect([log, status, content]).toEqual(['many files', '0', 'content 299']);
    expect(Number(objectFiles)).toBeLessThan(10);
    expect(looseCount()).toBe('0');
    expect(git(many, 'rev-parse', 'HEAD')).toBe(head);
    expect(await listContainersOf(image)).toEqual([]);
  });
});

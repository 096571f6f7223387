/**
 * What Podman's Docker-compatible API does differently from Docker, each tried through the docker runtime (imported
 * by podman-engine.test.ts once DOCKER_HOST names Podman): its GET archive follows a symlink (and refuses a dangling
 * one), so report files and copied-back links are read through the path's own stat; on cgroup v1 it reports no OOM
 * kill, so the runtime reads the kernel's record, and a run that kills itself with SIGKILL is still not one.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunOptions } from '../../src/core/process.js';
import { createDockerClient } from '../../src/runtime/docker/client.js';
import { createDockerRuntime, type ContainerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { buildGymImage } from '../../src/runtime/docker/gym-image.js';
import { ensureTestBaseImage, listContainersOf } from './docker-support.js';

const MEBIBYTE = 1024 * 1024;
const WORKDIR = '/testbed';
const image = `swe-mirror-test/podman-differences:${process.pid}`;
const sh = (script: string): string[] => ['bash', '-c', script];

describe('docker runtime on Podman: where its API differs from Docker', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'swe-mirror-podman-'));
  const gymTree = path.join(work, 'gym');
  const workspace = path.join(work, 'workspace');
  let runtime: ContainerRuntime;
  const git = (cwd: string, ...args: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' });
  const options = (overrides: Partial<RunOptions> = {}): RunOptions => ({ cwd: WORKDIR, timeoutMs: 60_000, memoryBytes: 256 * MEBIBYTE, processLimit: 64, ...overrides });
  const writable = (): RunOptions => options({ layers: [{ source: workspace, target: WORKDIR, mode: 'writable' }] });

  beforeAll(async () => {
    for (const tree of [gymTree, workspace]) {
      mkdirSync(tree);
      writeFileSync(path.join(tree, 'code.txt'), 'code\n');
      git(tree, 'init', '-q');
      git(tree, 'add', '-A');
      git(tree, 'commit', '-qm', 'base');
    }
    const commit = git(gymTree, 'rev-parse', 'HEAD').trim();
    const failed = await buildGymImage(createDockerClient(), { baseImage: await ensureTestBaseImage(), hostTree: gymTree, workdir: WORKDIR, install: [], env: {}, timeoutMs: 120_000, memoryBytes: 512 * MEBIBYTE, tag: image, logDirectory: path.join(work, 'logs') });
    expect(failed).toBeUndefined();
    runtime = createDockerRuntime({ image, workdir: WORKDIR, baseCommit: commit, baseRepository: gymTree });
  }, 300_000);

  afterAll(async () => {
    await createDockerClient().getImage(image).remove({ force: true }).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  });

  it('collects a regular report file, never a symlink to a file, to a directory or to nothing (Podman would follow them)', async () => {
    const script = 'echo "<report/>" > report.xml; ln -s report.xml relative.xml; ln -s /etc dir.xml; ln -s /nowhere dangling.xml; mkdir reports';
    const paths = ['report.xml', 'relative.xml', 'dir.xml', 'dangling.xml', 'reports'].map((name) => `${WORKDIR}/${name}`);
    const result = await runtime.run(sh(script), options({ collect: paths }));
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.collected?.[`${WORKDIR}/report.xml`]?.toString()).toBe('<report/>\n');
    for (const file of paths.slice(1)) expect(result.collected?.[file], file).toBeUndefined();
  });

  it('copies symlinks made in a writable workspace back with their own text: relative, to a directory, absolute, dangling', async () => {
    const script = 'mkdir sub; echo deep > sub/f.txt; ln -s code.txt relative; ln -s sub to-dir; ln -s /etc/passwd absolute; ln -s not-there dangling; ln -sf sub/f.txt code.txt';
    const result = await runtime.run(sh(script), writable());
    expect(result.exitCode, result.stderr).toBe(0);
    const links = Object.fromEntries(['relative', 'to-dir', 'absolute', 'dangling', 'code.txt'].map((name) => [name, readlinkSync(path.join(workspace, name))]));
    expect(links).toEqual({ relative: 'code.txt', 'to-dir': 'sub', absolute: '/etc/passwd', dangling: 'not-there', 'code.txt': 'sub/f.txt' });
    expect(readFileSync(path.join(workspace, 'sub', 'f.txt'), 'utf8')).toBe('deep\n');
    // The next run sees the same links (copied in as links, not followed).
    const next = await runtime.run(sh('readlink relative to-dir absolute dangling code.txt'), writable());
    expect(next.stdout).toBe('code.txt\nsub\n/etc/passwd\nnot-there\nsub/f.txt\n');
    expect(await listContainersOf(image)).toEqual([]);
  });

  it('labels an OOM kill that Podman does not report, but not a run that SIGKILLs itself (exit 137 alone is no OOM)', async () => {
    const oom = await runtime.run(['python3', '-c', 'blocks = [bytearray(16 * 1024 * 1024) for _ in range(64)]'], options({ memoryBytes: 128 * MEBIBYTE }));
    expect(oom).toMatchObject({ outOfMemory: true, exitCode: null, signal: 'SIGKILL' });
    expect(oom.stderr).toContain(`used more than ${128 * MEBIBYTE} bytes of memory`);
    // A process SIGKILLed by the run itself (not the container's first process, which the kernel shields), status passed on.
    const killedItself = await runtime.run(sh("echo before; sh -c 'kill -9 $$'; exit $?"), options({ memoryBytes: 128 * MEBIBYTE }));
    expect(killedItself).toMatchObject({ outOfMemory: false, timedOut: false, exitCode: 137, stdout: 'before\n' });
  });
});

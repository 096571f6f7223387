/**
 * The docker runtime against a real Docker engine: each isolation property of a suite run, tried from inside the
 * container. Skipped, with a message, only when no engine answers.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunOptions } from '../../src/core/process.js';
import { createDockerClient } from '../../src/runtime/docker/client.js';
import { createDockerRuntime, type ContainerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { buildGymImage } from '../../src/runtime/docker/gym-image.js';
import { isContainerRuntime } from '../../src/runtime/docker/container-runtime.js';
import { resolveGymRuntime } from '../../src/gym/gym-runtime.js';
import type { PreparedGym } from '../../src/gym/types.js';
import { createLocalRuntime } from '../../src/runtime/local.js';
import { limitRuntime } from '../../src/pipeline/limits.js';
import { ensureTestBaseImage, isDockerTestable, listContainersOf } from './docker-support.js';

const isTestable = await isDockerTestable();
const MEBIBYTE = 1024 * 1024;
const WORKDIR = '/testbed';
const image = `swe-mirror-test/runtime-probe:${process.pid}`;
let tree: string;
let commit: string;
let runtime: ContainerRuntime;

function git(...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: tree, encoding: 'utf8' });
}

function options(overrides: Partial<RunOptions> = {}): RunOptions {
  return { cwd: WORKDIR, timeoutMs: 60_000, memoryBytes: 256 * MEBIBYTE, processLimit: 64, layers: [{ source: tree, target: WORKDIR }], ...overrides };
}

const sh = (script: string): string[] => ['bash', '-c', script];

describe.skipIf(!isTestable)('docker runtime (real engine)', () => {
  beforeAll(async () => {
    tree = mkdtempSync(path.join(os.tmpdir(), 'swe-mirror-docker-tree-'));
    writeFileSync(path.join(tree, 'kept.txt'), 'committed\n');
    writeFileSync(path.join(tree, 'edited.txt'), 'before\n');
    writeFileSync(path.join(tree, 'deleted.txt'), 'doomed\n');
    writeFileSync(path.join(tree, '.gitignore'), 'ignored-*\n');
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'base');
    commit = git('rev-parse', 'HEAD').trim();
    const failed = await buildGymImage(createDockerClient(), {
      baseImage: await ensureTestBaseImage(),
      hostTree: tree,
      workdir: WORKDIR,
      install: ['echo installed > /testbed/installed.txt'],
      env: {},
      timeoutMs: 120_000,
      memoryBytes: 512 * MEBIBYTE,
      tag: image,
      logDirectory: `${tree}-logs`,
    });
    expect(failed).toBeUndefined();
    runtime = createDockerRuntime({ image, workdir: WORKDIR, baseCommit: commit });
  });

  afterAll(async () => {
    if (tree) for (const directory of [tree, `${tree}-logs`]) rmSync(directory, { recursive: true, force: true });
    await createDockerClient()
      .getImage(image)
      .remove({ force: true })
      .catch(() => undefined);
  });

  it('runs in the image at the workdir, with the install step committed, and reports exit code, stdout and stderr apart', async () => {
    const result = await runtime.run(sh('pwd; cat installed.txt kept.txt; echo to-stderr >&2; exit 7'), options());
    expect(result).toMatchObject({ exitCode: 7, timedOut: false, outOfMemory: false, stdout: '/testbed\ninstalled\ncommitted\n', stderr: 'to-stderr\n' });
  });

  it("copies the working copy's changes against the gym commit in: edited, deleted, untracked and ignored files", async () => {
    writeFileSync(path.join(tree, 'edited.txt'), 'after\n');
    unlinkSync(path.join(tree, 'deleted.txt'));
    writeFileSync(path.join(tree, 'added.txt'), 'new\n');
    writeFileSync(path.join(tree, 'ignored-conftest.py'), 'planted by a patch\n');
    try {
      const result = await runtime.run(sh('cat edited.txt added.txt ignored-conftest.py; test -e deleted.txt && echo still-there; true'), options());
      expect(result.stdout).toBe('after\nnew\nplanted by a patch\n');
    } finally {
      git('checkout', '-q', '-f', commit);
      git('clean', '-qfdx');
    }
  });

  it('leaves nothing behind: a second run sees none of what the first wrote, in the workdir, /tmp or elsewhere', async () => {
    const first = await runtime.run(sh('echo x > planted.txt; echo x > /tmp/planted; echo x > /root/planted; echo x >> kept.txt'), options());
    expect(first.exitCode).toBe(0);
    const second = await runtime.run(sh('ls planted.txt /tmp/planted /root/planted 2>&1 | wc -l; cat kept.txt'), options());
    expect(second.stdout).toBe('3\ncommitted\n');
    expect(second.stdout).not.toContain('x');
    expect(await listContainersOf(image)).toEqual([]);
  });

  it('has no network, no capabilities and no-new-privileges', async () => {
    const result = await runtime.run(sh("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; grep -E '^(CapEff|NoNewPrivs)' /proc/self/status"), options());
    expect(result.stdout).toBe('lo\nCapEff:\t0000000000000000\nNoNewPrivs:\t1\n');
  });

  it("passes only the given environment and the image's, none of swe-mirror's variables", async () => {
    process.env.SWE_MIRROR_TEST_SECRET = 'do-not-leak';
    try {
      const result = await runtime.run(sh('env'), options({ env: { GYM_VARIABLE: 'given' } }));
      expect(result.stdout).toContain('GYM_VARIABLE=given');
      expect(result.stdout).not.toContain('do-not-leak');
    } finally {
      delete process.env.SWE_MIRROR_TEST_SECRET;
    }
  });

  it('kills the container at the wall-time limit and removes it', async () => {
    const result = await runtime.run(sh('echo started; sleep 600'), options({ timeoutMs: 2000 }));
    expect(result).toMatchObject({ timedOut: true, exitCode: null, signal: 'SIGKILL', stdout: 'started\n' });
    expect(await listContainersOf(image)).toEqual([]);
  });

  it('labels a run that exceeds its memory limit as out of memory', async () => {
    const result = await runtime.run(['python3', '-c', 'blocks = [bytearray(16 * 1024 * 1024) for _ in range(64)]'], options({ memoryBytes: 128 * MEBIBYTE }));
    expect(result.outOfMemory).toBe(true);
    expect(result.exitCode).not.toBe(0);
  });

  it('stops a run that reaches its process limit and labels it processLimitReached, as the local runtime does', async () => {
    // Forks until refused, then waits: only the limit's label can end this run before its time limit.
    const script = [
      'import os, sys, time',
      'try:',
      '    while True:',
      '        if os.fork() == 0:',
      '            time.sleep(600)',
      '            os._exit(0)',
      'except OSError:',
      '    print("refused", flush=True)',
      'time.sleep(600)',
    ].join('\n');
    const result = await runtime.run(['python3', '-c', script], options({ processLimit: 32, timeoutMs: 300_000 }));
    expect(result).toMatchObject({ processLimitReached: true, timedOut: false, outOfMemory: false, exitCode: null, signal: 'SIGKILL', stdout: 'refused\n' });
    expect(result.stderr).toContain('reached its limit of 32 processes and threads');
    expect(await listContainersOf(image)).toEqual([]);
  });

  it('copies a report file out, but never a symlink (a report pointing at a file of the container is not followed)', async () => {
    const result = await runtime.run(sh('echo "<report/>" > report.xml; ln -s /etc/passwd linked.xml'), options({ collect: ['/testbed/report.xml', '/testbed/linked.xml', '/testbed/absent.xml'] }));
    expect(result.collected?.['/testbed/report.xml']?.toString()).toBe('<report/>\n');
    expect(result.collected?.['/testbed/linked.xml']).toBeUndefined();
    expect(result.collected?.['/testbed/absent.xml']).toBeUndefined();
  });

  it("counts a docker gym's runs against the pipeline's test limiter, whatever runtime the gym resolves", async () => {
    let limited = 0;
    const caller = limitRuntime(createLocalRuntime(), async (task) => {
      limited += 1;
      return task();
    });
    const gym = { spec: { runtime: 'docker', docker: { workdir: WORKDIR } } as PreparedGym['spec'], commit, image, workdir: tree };
    const containers = await resolveGymRuntime(gym, caller);
    expect(isContainerRuntime(containers)).toBe(true);
    expect((await containers.run(sh('echo counted'), options())).stdout).toBe('counted\n');
    expect(limited).toBe(1);
  });

  it('caps captured output', async () => {
    const result = await runtime.run(sh('head -c 100000 /dev/zero | tr "\\0" a'), options({ outputLimitBytes: 1000 }));
    expect(result.outputTruncated).toBe(true);
    expect(result.stdout).toBe('a'.repeat(1000));
  });

  it('held for a series of runs (as verify holds it): each run still sees only the image and its own files, its stdin is empty, and none remain after the release', async () => {
    const release = runtime.holdContainers?.();
    expect(release).toBeDefined();
    try {
      writeFileSync(path.join(tree, 'added.txt'), 'first state\n');
      const first = await runtime.run(sh('cat added.txt; echo x > planted.txt; echo x > /tmp/planted; cat; echo stdin-closed'), options());
      expect(first).toMatchObject({ exitCode: 0, stdout: 'first state\nstdin-closed\n' });
      writeFileSync(path.join(tree, 'added.txt'), 'second state\n');
      // Two at once, as verify's full run beside its targeted rerun: each in its own container.
      const [second, third] = await Promise.all([0, 1].map(() => runtime.run(sh('cat added.txt; ls planted.txt /tmp/planted 2>&1 | wc -l; ls -a | grep -c swe-mirror'), options())));
      for (const result of [second, third]) expect(result?.stdout).toBe('second state\n2\n0\n');
    } finally {
      unlinkSync(path.join(tree, 'added.txt'));
      await release?.();
    }
    expect(await listContainersOf(image)).toEqual([]);
  });

  it("falls back to copying in before start where the container cannot extract the run: no tar in the image, or a user that cannot write the workdir", async () => {
    const tarless = `swe-mirror-test/runtime-probe-tarless:${process.pid}`;
    const failed = await buildGymImage(createDockerClient(), {
      baseImage: image,
      hostTree: tree,
      workdir: WORKDIR,
      install: ['rm -f "$(command -v tar)"'],
      env: {},
      timeoutMs: 120_000,
      memoryBytes: 512 * MEBIBYTE,
      tag: tarless,
      logDirectory: `${tree}-logs`,
    });
    expect(failed).toBeUndefined();
    writeFileSync(path.join(tree, 'added.txt'), 'copied by the engine\n');
    try {
      for (const fallback of [createDockerRuntime({ image: tarless, workdir: WORKDIR, baseCommit: commit }), createDockerRuntime({ image, workdir: WORKDIR, baseCommit: commit, user: 'nobody' })]) {
        for (let round = 0; round < 2; round += 1) {
          const result = await fallback.run(sh('cat added.txt; command -v tar >/dev/null || echo no-tar; id -un'), options());
          expect(result.exitCode).toBe(0);
          expect(result.stdout.split('\n')[0]).toBe('copied by the engine');
        }
      }
      expect(await listContainersOf(tarless)).toEqual([]);
      expect(await listContainersOf(image)).toEqual([]);
    } finally {
      unlinkSync(path.join(tree, 'added.txt'));
      await createDockerClient().getImage(tarless).remove({ force: true }).catch(() => undefined);
    }
  });

  it('refuses what it cannot honour: a writable layer would have to write back into the host', async () => {
    await expect(runtime.run(sh('true'), options({ layers: [{ source: tree, target: WORKDIR, mode: 'writable' }] }))).rejects.toMatchObject({ code: 'DOCKER_RUN_UNSUPPORTED' });
  });

  it('does not follow a symlink of the working copy to the host: the link itself is copied in', async () => {
    symlinkSync('/etc/hostname', path.join(tree, 'host-link'));
    try {
      const result = await runtime.run(sh('readlink host-link; cat host-link 2>/dev/null || echo no-such-file-here'), options());
      expect(result.stdout.split('\n')[0]).toBe('/etc/hostname');
      expect(result.stdout).not.toContain(os.hostname());
    } finally {
      unlinkSync(path.join(tree, 'host-link'));
    }
  });
});

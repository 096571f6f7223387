import { mkdir, mkdtemp, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RunOptions } from '../../src/core/process.js';
import { probeCgroups } from '../../src/runtime/cgroup.js';
import { createLocalRuntime, isBubblewrapUsable } from '../../src/runtime/local.js';

const MEBIBYTE = 1024 * 1024;
const hasBubblewrap = await isBubblewrapUsable();
const cgroups = await probeCgroups();
const runtime = createLocalRuntime({ sandbox: 'bwrap' });

let source: string;
let target: string;
function layered(overrides: Partial<RunOptions> = {}): RunOptions {
  return { cwd: target, timeoutMs: 60_000, memoryBytes: 256 * MEBIBYTE, layers: [{ source, target }], ...overrides };
}
const sh = (script: string): string[] => ['bash', '-c', script];

beforeEach(async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'swe-mirror-layers-'));
  source = path.join(root, 'source');
  target = path.join(root, 'seen-at');
  await mkdir(path.join(source, '.git', 'hooks'), { recursive: true });
  await mkdir(target);
  await writeFile(path.join(source, 'kept.txt'), 'original\n');
  await writeFile(path.join(source, '.git', 'config'), '[core]\n');
});

describe.skipIf(!hasBubblewrap)('throw-away layers', () => {
  it('shows the source at the target; nothing the run writes, deletes or plants reaches the source', async () => {
    const result = await runtime.run(
      sh(
        [
          'cat kept.txt',
          'echo changed > kept.txt',
          'echo planted > conftest.py',
          'printf "#!/bin/sh\\necho hooked\\n" > .git/hooks/post-checkout',
          'printf "[core]\\n  fsmonitor = /tmp/evil\\n" >> .git/config',
          'echo "*.py" > .git/info-exclude',
          'rm -f kept.txt; test -e kept.txt || echo deleted',
        ].join('\n'),
      ),
      layered(),
    );
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('original\ndeleted\n');
    expect(await readFile(path.join(source, 'kept.txt'), 'utf8')).toBe('original\n');
    expect((await readdir(source)).sort()).toEqual(['.git', 'kept.txt']);
    expect(await readdir(path.join(source, '.git', 'hooks'))).toEqual([]);
    expect(await readFile(path.join(source, '.git', 'config'), 'utf8')).toBe('[core]\n');
    // The host's own view of the target was never touched either.
    expect(await readdir(target)).toEqual([]);
  });

  it('gives each run a fresh layer: what one run wrote is gone for the next', async () => {
    await runtime.run(sh('echo one > left-behind.txt; mkdir -p cache && echo x > cache/entry'), layered());
    const second = await runtime.run(sh('ls -A'), layered());
    expect(second.stdout.split('\n').filter(Boolean).sort()).toEqual(['.git', 'kept.txt']);
  });

  it('copies out a report the run wrote, and refuses a symlink or a deleted file in its place', async () => {
    const secret = path.join(path.dirname(source), 'host-secret.txt');
    await writeFile(secret, 'host secret\n');
    await writeFile(path.join(source, 'stale.xml'), 'stale');
    const result = await runtime.run(
      sh(`mkdir -p out && echo '<testsuite/>' > out/report.xml && ln -s ${secret} link.xml && mkdir d && ln -s ${path.dirname(secret)} d/up && rm stale.xml`),
      layered({ collect: [path.join(target, 'out/report.xml'), path.join(target, 'link.xml'), path.join(target, 'd/up/host-secret.txt'), path.join(target, 'stale.xml'), path.join(target, 'kept.txt')] }),
    );
    expect(result.exitCode).toBe(0);
    const collected = result.collected ?? {};
    expect(collected[path.join(target, 'out/report.xml')]?.toString()).toBe('<testsuite/>\n');
    expect(collected[path.join(target, 'link.xml')]).toBeUndefined();
    expect(collected[path.join(target, 'd/up/host-secret.txt')]).toBeUndefined();
    expect(collected[path.join(target, 'stale.xml')]).toBeUndefined();
    expect(collected[path.join(target, 'kept.txt')]?.toString()).toBe('original\n');
  });

  it('passes on only allowlisted variables: secrets under any name stay out', async () => {
    process.env.GH_PAT = 'canary-gh-pat';
    process.env.DATABASE_URL = 'postgres://canary-database';
    process.env.OPENAI_KEY = 'canary-openai';
    process.env.SOME_PLAIN_SETTING = 'canary-plain';
    try {
      const result = await runtime.run(sh('env; cat /proc/*/environ 2>/dev/null | tr "\\0" "\\n"'), layered({ env: { GYM_OWN: 'visible' } }));
      expect(result.stdout).not.toMatch(/canary/);
      expect(result.stdout).toMatch(/^GYM_OWN=visible$/m);
      expect(result.stdout).toMatch(/^PATH=/m);
      expect(result.stdout).toMatch(/^HOME=\/home\/swe-mirror$/m);
    } finally {
      for (const name of ['GH_PAT', 'DATABASE_URL', 'OPENAI_KEY', 'SOME_PLAIN_SETTING']) delete process.env[name];
    }
  });

  it('runs with no capabilities, sees no host home, no host /tmp and an empty /etc/shadow', async () => {
    const marker = path.join(tmpdir(), `swe-mirror-host-tmp-${process.pid}`);
    await writeFile(marker, 'host tmp');
    const result = await runtime.run(
      sh(
        [
          'grep CapEff /proc/self/status',
          // Writing the value back unchanged: harmless if the sandbox ever let it through, caught by the assertion.
          'cat /proc/sys/kernel/core_pattern > /proc/sys/kernel/core_pattern 2>/dev/null && echo WROTE-SYSCTL',
          'echo run=$(ls -A /run | wc -l)',
          'mount -o remount,rw / 2>/dev/null && echo REMOUNTED',
          'umount /proc 2>/dev/null && echo UNMOUNTED',
          `test -e ${marker} && echo HOST-TMP`,
          'echo home=$(ls -A "$HOME" | wc -l)',
          'echo shadow=$(cat /etc/shadow 2>/dev/null | wc -c)',
          'test -d /root/.cache && echo ROOT-CACHE',
        ].join('\n'),
      ),
      layered(),
    );
    expect(result.stdout.split('\n').filter(Boolean)).toEqual(['CapEff:\t0000000000000000', 'run=0', 'home=0', 'shadow=0']);
    expect(result.stdout).not.toMatch(/REMOUNTED|UNMOUNTED|HOST-TMP|ROOT-CACHE|WROTE-SYSCTL/);
  });

  it.skipIf(!cgroups.memory)('counts /dev/shm and memfd against the memory limit and says the run ran out of memory', async () => {
    const shm = await runtime.run(sh('head -c 40M /dev/zero > /dev/shm/hog || echo shm-full; head -c 400M /dev/zero > /tmp/hog; echo survived; sleep 30'), layered({ memoryBytes: 128 * MEBIBYTE }));
    // /dev/shm is bounded (a quarter of the limit); the tmpfs /tmp is charged to the run's memory cgroup.
    expect(shm.stdout).toBe('shm-full\n');
    expect(shm.outOfMemory).toBe(true);
    expect(shm.timedOut).toBe(false);
    const memfd = await runtime.run(
      ['python3', '-c', 'import os, time\nfd = os.memfd_create("hog")\nchunk = b"x" * (1 << 20)\nfor _ in range(600): os.write(fd, chunk)\nprint("held", flush=True)\ntime.sleep(30)'],
      layered({ memoryBytes: 128 * MEBIBYTE }),
    );
    expect(memfd.stdout).not.toContain('held');
    expect(memfd.outOfMemory).toBe(true);
    expect(memfd.timedOut).toBe(false);
  });

  it('stops a fork bomb at the process limit and labels it as such, not as memory', async () => {
    const result = await runtime.run(sh('for i in $(seq 2000); do sleep 60 & done; wait'), layered({ processLimit: 256, memoryBytes: 1024 * MEBIBYTE }));
    expect(result.processLimitReached).toBe(true);
    expect(result.outOfMemory).toBe(false);
    expect(result.timedOut).toBe(false);
    expect(result.stderr).toMatch(/limit of 256 processes/);
  });
});

describe.skipIf(!hasBubblewrap)('a symlinked layer source', () => {
  it('is refused as a collect root escape but still mounts', async () => {
    const link = `${source}-link`;
    await symlink(source, link);
    const result = await runtime.run(sh('cat kept.txt'), { cwd: target, timeoutMs: 30_000, memoryBytes: 256 * MEBIBYTE, layers: [{ source: link, target }] });
    expect(result.stdout).toBe('original\n');
  });
});

describe.skipIf(!hasBubblewrap)('directories of the lower layer', () => {
  it('can be removed, recreated and renamed by a run (rm -rf dist && tsc), without touching the source', async () => {
    await mkdir(path.join(source, 'dist', 'src'), { recursive: true });
    await writeFile(path.join(source, 'dist', 'src', 'old.js'), 'old');
    const result = await runtime.run(sh('rm -rf dist && mkdir -p dist/src && echo new > dist/src/new.js && ls dist/src && mv dist built && ls built/src'), layered());
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('new.js\nnew.js\n');
    expect(await readdir(path.join(source, 'dist', 'src'))).toEqual(['old.js']);
  });
});

describe.skipIf(!hasBubblewrap)('several layers under one directory (one overlay mount)', () => {
  it('shows each at its own target, keeps each source untouched and copies reports out of either', async () => {
    const cache = path.join(path.dirname(source), 'cache');
    const cacheTarget = path.join(path.dirname(source), 'cache-seen-at');
    await mkdir(cache);
    await mkdir(cacheTarget);
    await writeFile(path.join(cache, 'entry'), 'cached\n');
    const result = await runtime.run(sh(`cat kept.txt ${cacheTarget}/entry; echo r > report.txt; echo c > ${cacheTarget}/report.txt; rm ${cacheTarget}/entry; ls ${cacheTarget}`), {
      ...layered(),
      layers: [{ source, target }, { source: cache, target: cacheTarget }],
      collect: [path.join(target, 'report.txt'), path.join(cacheTarget, 'report.txt')],
    });
    expect(result.stdout).toBe('original\ncached\nreport.txt\n');
    expect(result.collected?.[path.join(target, 'report.txt')]?.toString()).toBe('r\n');
    expect(result.collected?.[path.join(cacheTarget, 'report.txt')]?.toString()).toBe('c\n');
    expect(await readdir(cache)).toEqual(['entry']);
    expect((await readdir(source)).sort()).toEqual(['.git', 'kept.txt']);
  });
});

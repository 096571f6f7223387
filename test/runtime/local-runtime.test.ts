import { createServer, type Server } from 'node:net';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalRuntime, isBubblewrapUsable } from '../../src/runtime/local.js';
import type { RunOptions } from '../../src/core/process.js';

const MEBIBYTE = 1024 * 1024;
const hasBubblewrap = await isBubblewrapUsable();

let workdir: string;
function options(overrides: Partial<RunOptions> = {}): RunOptions {
  return { cwd: workdir, timeoutMs: 20_000, memoryBytes: 512 * MEBIBYTE, ...overrides };
}

/** Host pids of live processes whose command line contains the marker. */
async function findProcesses(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const commandLine = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      const state = readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]?.[0];
      if (commandLine.includes(marker) && state !== 'Z') found.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

beforeAll(async () => {
  workdir = await mkdtemp(path.join(tmpdir(), 'swe-mirror-runtime-'));
});

describe.each([
  ['none', false],
  ['bwrap', true],
] as const)('local runtime, sandbox %s', (sandbox, needsBubblewrap) => {
  const runtime = createLocalRuntime({ sandbox });
  const skip = needsBubblewrap && !hasBubblewrap;

  it.skipIf(skip)('kills the whole process tree on timeout', async () => {
    const marker = `swe-mirror-grandchild-${sandbox}-${Date.now()}`;
    const script = [
      `(exec -a ${marker} sleep 300) &`,
      `(bash -c "(exec -a ${marker} sleep 300) & wait") &`,
      sandbox === 'bwrap' ? `setsid bash -c "exec -a ${marker} sleep 300" &` : '',
      'sleep 1; echo started; wait',
    ].join('\n');
    const result = await runtime.run(['bash', '-c', script], options({ timeoutMs: 1500 }));
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBeNull();
    expect(result.stdout).toContain('started');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await findProcesses(marker)).toEqual([]);
  });

  it.skipIf(skip)('kills a python memory hog and flags it out of memory', async () => {
    const result = await runtime.run(
      ['python3', '-c', 'chunks = []\nwhile True:\n    chunks.append(bytearray(16 * 1024 * 1024))'],
      options({ memoryBytes: 256 * MEBIBYTE }),
    );
    expect(result.exitCode).not.toBe(0);
    expect(result.outOfMemory).toBe(true);
    expect(result.timedOut).toBe(false);
  });

  it.skipIf(skip)('kills a node memory hog and flags it out of memory', async () => {
    const result = await runtime.run(
      ['node', '-e', 'const chunks = []; while (true) chunks.push(Buffer.alloc(16 * 1024 * 1024, 1));'],
      options({ memoryBytes: 256 * MEBIBYTE }),
    );
    expect(result.exitCode).not.toBe(0);
    expect(result.outOfMemory).toBe(true);
  });

  it.skipIf(skip)('kills a tree whose processes together exceed the limit (watchdog)', async () => {
    const holder = 'import time\nblock = bytearray(100 * 1024 * 1024)\nfor i in range(0, len(block), 4096): block[i] = 1\ntime.sleep(60)';
    const result = await runtime.run(
      ['bash', '-c', `for i in 1 2 3; do python3 -c '${holder}' & done; wait`],
      options({ memoryBytes: 200 * MEBIBYTE }),
    );
    expect(result.outOfMemory).toBe(true);
    expect(result.durationMs).toBeLessThan(15_000);
    expect(result.stderr).toContain('used more than');
  });

  it.skipIf(skip)('caps huge output, says so, and writes the log', async () => {
    const logPath = path.join(workdir, 'logs', `huge-${sandbox}.log`);
    const result = await runtime.run(
      ['python3', '-c', 'import sys\nfor _ in range(40): sys.stdout.write("x" * 1024 * 512)'],
      options({ outputLimitBytes: MEBIBYTE, logPath }),
    );
    expect(result.exitCode).toBe(0);
    expect(result.outputTruncated).toBe(true);
    expect(result.stdout.length).toBeLessThanOrEqual(MEBIBYTE);
    expect(result.stderr).toMatch(/output truncated at 1048576 bytes/);
    expect(result.logPath).toBe(logPath);
    expect((await readFile(logPath)).length).toBeGreaterThan(MEBIBYTE - 1);
  });

  it.skipIf(skip)('decodes non-UTF-8 output with replacement characters', async () => {
    const result = await runtime.run(['bash', '-c', "printf 'ok \\xff\\xfe caf\\xc3\\xa9\\n'"], options());
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('ok \ufffd\ufffd café\n');
  });

  it.skipIf(skip)('answers a missing command with exit code 127, not a throw', async () => {
    const result = await runtime.run(['definitely-not-a-command-xyz', '--flag'], options());
    expect(result.exitCode).toBe(127);
    expect(result.stderr).toMatch(/command not found: definitely-not-a-command-xyz/);
  });
});

describe.skipIf(!hasBubblewrap)('bubblewrap sandbox', () => {
  const runtime = createLocalRuntime({ sandbox: 'bwrap' });
  let server: Server;
  let port = 0;

  beforeAll(async () => {
    server = createServer((socket) => socket.end('hello from host\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const connect = (): string[] => [
    'python3',
    '-c',
    `import socket\ns = socket.create_connection(("127.0.0.1", ${port}), timeout=3)\nprint(s.recv(100).decode().strip())`,
  ];

  it('has no network unless allowed', async () => {
    const isolated = await runtime.run(connect(), options());
    expect(isolated.exitCode).not.toBe(0);
    expect(isolated.stdout).not.toContain('hello from host');
    const allowed = await runtime.run(connect(), options({ allowNetwork: true }));
    expect(allowed.exitCode).toBe(0);
    expect(allowed.stdout).toContain('hello from host');
  });

  it('refuses writes outside cwd, the temp dir and writable paths', async () => {
    const outside = await mkdtemp(path.join(tmpdir(), 'swe-mirror-outside-'));
    const cache = await mkdtemp(path.join(tmpdir(), 'swe-mirror-cache-'));
    await writeFile(path.join(outside, 'keep.txt'), 'original');
    const script = [
      `echo changed > ${outside}/keep.txt || echo refused-outside`,
      'echo fine > inside.txt && echo wrote-inside',
      `echo fine > ${cache}/cache.txt && echo wrote-cache`,
      'echo fine > "$TMPDIR/temp.txt" && echo wrote-temp',
    ].join('\n');
    const result = await runtime.run(['bash', '-c', script], options({ writablePaths: [cache] }));
    expect(result.stdout.split('\n').filter(Boolean)).toEqual(['refused-outside', 'wrote-inside', 'wrote-cache', 'wrote-temp']);
    expect(await readFile(path.join(outside, 'keep.txt'), 'utf8')).toBe('original');
    expect(await readFile(path.join(workdir, 'inside.txt'), 'utf8')).toBe('fine\n');
    expect(result.missingProtections).toEqual([]);
  });

  it('says which protections are missing without bubblewrap', async () => {
    const unsandboxed = await createLocalRuntime({ sandbox: 'none' }).describeProtections();
    expect(unsandboxed.missing).toEqual(expect.arrayContaining(['NO SANDBOX: no network isolation', 'filesystem not isolated: the run can read and write what swe-mirror can']));
    const sandboxed = await runtime.describeProtections();
    // Only machine limits (no cgroup delegation) may be missing with bubblewrap.
    expect(sandboxed.missing.filter((entry) => !/cgroup/.test(entry))).toEqual([]);
  });
});

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedOpenAiServer, type ScriptedServer } from '../../src/testing/index.js';
import { runCli } from '../support/pipeline-cli.js';
import { markedResponder, readQueueStore, spawnWorker, writeQueueConfig, type SeenRequest, type WorkerProcess } from './queue-harness.js';

// Slow: a private redis-server (with an append-only file) is stopped and started again while a
// worker is mid-job; the coordinator and the worker wait for it and lose nothing.
const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedisServer) console.warn('test/queue/redis-restart: skipped: no redis-server on PATH to start a private one');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function startRedis(port: number, directory: string): ChildProcess {
  return spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', directory, '--appendonly', 'yes', '--save', ''], { stdio: 'ignore' });
}

async function waitForRedis(url: string): Promise<void> {
  const redis = new Redis(url, { retryStrategy: (times) => Math.min(50 * times, 500) });
  redis.on('error', () => undefined);
  try {
    await redis.ping();
  } finally {
    redis.disconnect();
  }
}

describe.skipIf(!hasRedisServer)('Redis stopped and started again mid-run', { timeout: 600_000 }, () => {
  const seen: SeenRequest[] = [];
  let redisProcess: ChildProcess | undefined;
  let restarted: Promise<void> | undefined;
  let server: ScriptedServer;
  let worker: WorkerProcess | undefined;
  let port: number;
  let redisDirectory: string;

  beforeAll(async () => {
    port = await freePort();
    redisDirectory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-queue-redis-'));
    redisProcess = startRedis(port, redisDirectory);
    await waitForRedis(`redis://127.0.0.1:${port}`);
    server = await startScriptedOpenAiServer({
      responses: markedResponder(seen, (request) => {
        if (request.step !== 'statement' || request.number !== 413 || restarted) return undefined;
        // Stop Redis (it writes its append-only file) and start it again on the same port and directory.
        const stopping = redisProcess!;
        restarted = new Promise<void>((resolve) => stopping.once('exit', () => resolve())).then(async () => {
          redisProcess = startRedis(port, redisDirectory);
          await waitForRedis(`redis://127.0.0.1:${port}`);
        });
        stopping.kill('SIGTERM');
        return undefined;
      }),
    });
  });

  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    await server?.close();
    redisProcess?.kill('SIGTERM');
  });

  it('pauses and reconnects: one result per candidate, no job and no answered model call repeated', async () => {
    const queueUrl = `redis://127.0.0.1:${port}`;
    const dataDirectory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-queue-data-'));
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-queue-restart-'));
    const config = await writeQueueConfig(directory, server.url);
    worker = spawnWorker(queueUrl, dataDirectory);
    const run = await runCli(['run', '--config', config, '--queue', queueUrl, '--progress', 'plain'], { env: { SWE_MIRROR_DATA_DIR: dataDirectory } });
    expect(restarted).toBeDefined();
    await restarted;
    expect(run.code, `${run.output}\n--- worker ---\n${worker.output()}`).toBe(0);

    const stored = readQueueStore(path.join(directory, 'out', 'state.sqlite'));
    expect(stored.attemptsPerCandidate.map((row) => row.count)).toEqual([1, 1]);
    expect(stored.tasks.map((task) => task.instanceId)).toEqual(['python-pytest__example__versionkit-412', 'python-pytest__example__versionkit-413']);
    const hashes = seen.map((request) => request.hash);
    expect(hashes.length).toBe(new Set(hashes).size);
    const starts = worker.output().match(/start mirror__\S+/g) ?? [];
    expect(starts).toHaveLength(2);

    worker.child.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
  });
});

import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedOpenAiServer, type ScriptedServer } from '../../src/testing/index.js';
import { runCli } from '../support/pipeline-cli.js';
import { markedResponder, readQueueStore, spawnWorker, writeQueueConfig, type SeenRequest, type WorkerProcess } from './queue-harness.js';
import { REDIS_IS_UP, flushTestDatabase, testRedisUrl } from './redis-for-tests.js';

// Slow: a local reference run, then the same work through the queue with a real worker process,
// the coordinator killed with SIGKILL while the worker is mid-job, then the same command again.
const DATABASE = 13;

describe.skipIf(!REDIS_IS_UP)('swe-mirror run --queue, the coordinator killed -9 and run again', { timeout: 600_000 }, () => {
  const queueUrl = testRedisUrl(DATABASE);
  const seen: SeenRequest[] = [];
  let killCoordinator: ((request: SeenRequest) => boolean) | undefined;
  let server: ScriptedServer;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    await flushTestDatabase(DATABASE);
    server = await startScriptedOpenAiServer({
      responses: markedResponder(seen, (request) => {
        killCoordinator?.(request);
        return undefined;
      }),
    });
  });

  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    await server?.close();
  });

  it('gives the local run’s tasks, re-enqueues no finished work and repeats no answered model call', async () => {
    const dataDirectory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-queue-data-'));
    const env = { SWE_MIRROR_DATA_DIR: dataDirectory };

    // Reference: the same config run locally, without a queue.
    const referenceDirectory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-queue-ref-'));
    const reference = await runCli(['run', '--config', await writeQueueConfig(referenceDirectory, server.url), '--progress', 'plain'], { env });
    expect(reference.code, reference.output).toBe(0);
    const referenceRequests = seen.splice(0);
    const expected = readQueueStore(path.join(referenceDirectory, 'out', 'state.sqlite'));
    expect(expected.tasks).toHaveLength(2);

    // Through the queue: the coordinator dies (SIGKILL) when the worker asks for 413's statement.
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-queue-coord-'));
    const config = await writeQueueConfig(directory, server.url);
    worker = spawnWorker(queueUrl, dataDirectory);
    let coordinator: ChildProcess | undefined;
    killCoordinator = (request) => {
      if (request.step !== 'statement' || request.number !== 413 || !coordinator) return false;
      coordinator.kill('SIGKILL');
      coordinator = undefined;
      return true;
    };
    const args = ['run', '--config', config, '--queue', queueUrl, '--progress', 'plain'];
    const killed = await runCli(args, { env, onSpawn: (child) => (coordinator = child) });
    expect(killed.signal, killed.output).toBe('SIGKILL');
    killCoordinator = undefined;

    const resumed = await runCli(args, { env });
    expect(resumed.code, `${resumed.output}\n--- worker ---\n${worker.output()}`).toBe(0);

    // Every request was asked once over both coordinators and the worker, and they are the local run's requests.
    const queueRequests = seen.splice(0);
    const hashes = queueRequests.map((request) => request.hash);
    expect(hashes.length).toBe(new Set(hashes).size);
    expect([...hashes].sort()).toEqual(referenceRequests.map((request) => request.hash).sort());

    // Each job ran once: one "start" per job in the worker's log, none re-enqueued by the second coordinator.
    const starts = worker.output().match(/start mirror__\S+/g) ?? [];
    expect(starts.sort()).toEqual([...new Set(starts)].sort());
    expect(starts).toHaveLength(2);

    // The same tasks as the local run, one attempt per candidate, and the same export.
    const actual = readQueueStore(path.join(directory, 'out', 'state.sqlite'));
    expect(actual.tasks).toEqual(expected.tasks);
    expect(actual.stages).toEqual(expected.stages);
    expect(actual.attemptsPerCandidate.map((row) => row.count)).toEqual([1, 1]);
    expect(actual.modelCallRows).toBe(expected.modelCallRows);
    const exported = (await readFile(path.join(directory, 'out', 'tasks.jsonl'), 'utf8')).trim().split('\n');
    expect(exported.map((line) => (JSON.parse(line) as { instance_id: string }).instance_id)).toEqual(['python-pytest__example__versionkit-412']);

    worker.child.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
  });
});

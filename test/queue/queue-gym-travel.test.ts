/**
 * A worker that cannot see the coordinator's checkout mirrors the demo's candidates: the demo's python gym,
 * its PRs and its recording are copied into a throwaway checkout, the coordinator enqueues its jobs from
 * there, and the checkout is deleted before the worker (on its own data folder) starts. The jobs carry the
 * gym's spec and source and the recording through Redis; the export equals a local run's of the same config.
 * The order is kept by what the queue holds (the jobs are in it before the deletion), never by a time.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { MIRROR_QUEUE_NAME } from '../../src/queue/connection.js';
import { REPOSITORY_ROOT, runCli, type CliResult } from '../support/pipeline-cli.js';
import { readQueueStore, spawnWorker, type WorkerProcess } from './queue-harness.js';
import { REDIS_IS_UP, flushTestDatabase, testRedisUrl } from './redis-for-tests.js';

const DATABASE = 6;
const GYM = 'python-pytest';
const DEMO = path.join(REPOSITORY_ROOT, 'examples', 'demo');

/** A checkout holding only what the demo's python half needs, at the paths the demo's spec names. */
async function copyCheckout(root: string): Promise<void> {
  await mkdir(path.join(root, 'examples', 'demo', 'gyms'), { recursive: true });
  await cp(path.join(DEMO, 'gyms', `${GYM}.yaml`), path.join(root, 'examples', 'demo', 'gyms', `${GYM}.yaml`));
  for (const file of [`prs-${GYM}.jsonl`, 'recording.jsonl']) await cp(path.join(DEMO, file), path.join(root, 'examples', 'demo', file));
  await cp(path.join(REPOSITORY_ROOT, 'test', 'fixtures', 'gyms', GYM), path.join(root, 'test', 'fixtures', 'gyms', GYM), { recursive: true });
}

/** The demo's config cut to its python gym, every path absolute into `checkout`, its output at `output`. */
function configFor(checkout: string, output: string): string {
  const config = parse(readFileSync(path.join(DEMO, 'swe-mirror.yaml'), 'utf8')) as Record<string, unknown> & { sources: Array<{ gyms?: string[]; path: string }> };
  const demo = path.join(checkout, 'examples', 'demo');
  return stringify({
    ...config,
    output,
    gyms: [path.join(demo, 'gyms', `${GYM}.yaml`)],
    sources: config.sources.filter((source) => source.gyms?.includes(GYM)).map((source) => ({ ...source, path: path.join(demo, path.basename(source.path)) })),
    model: { provider: 'replay', replayFile: path.join(demo, 'recording.jsonl') },
  });
}

function readExport(output: string) {
  return readFileSync(path.join(output, 'tasks.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .map((task) => ({ instance_id: task.instance_id, gym_commit: task.gym_commit, patch: task.patch, test_patch: task.test_patch, problem_statement: task.problem_statement, FAIL_TO_PASS: task.FAIL_TO_PASS, PASS_TO_PASS: task.PASS_TO_PASS }))
    .sort((a, b) => String(a.instance_id).localeCompare(String(b.instance_id)));
}

/** Resolves once the coordinator has put at least one mirror job in the queue (its gym and recording are in Redis before). */
async function firstJobEnqueued(queueUrl: string, coordinator: Promise<CliResult>): Promise<void> {
  const connection = new Redis(queueUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(MIRROR_QUEUE_NAME, { connection, prefix: 'swe-mirror' });
  let hasExited = false;
  void coordinator.then(() => (hasExited = true));
  try {
    while (!hasExited && (await queue.count()) === 0) await new Promise((resolve) => setTimeout(resolve, 100));
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

describe.skipIf(!REDIS_IS_UP)("a worker without the coordinator's checkout", { timeout: 900_000 }, () => {
  const queueUrl = testRedisUrl(DATABASE);
  let worker: WorkerProcess | undefined;
  let local: CliResult;
  let queued: CliResult;
  let checkout: string;
  let workerData: string;
  let localOutput: string;
  let queueOutput: string;

  beforeAll(async () => {
    await flushTestDatabase(DATABASE);
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-gym-travel-'));
    checkout = path.join(directory, 'checkout');
    await copyCheckout(checkout);
    localOutput = path.join(directory, 'local');
    queueOutput = path.join(directory, 'queued');
    await writeFile(path.join(directory, 'local.yaml'), configFor(checkout, localOutput));
    await writeFile(path.join(directory, 'queued.yaml'), configFor(checkout, queueOutput));
    const coordinatorData = await mkdtemp(path.join(tmpdir(), 'swe-mirror-gym-travel-coordinator-'));
    workerData = await mkdtemp(path.join(tmpdir(), 'swe-mirror-gym-travel-worker-'));
    local = await runCli(['run', '--config', path.join(directory, 'local.yaml'), '--progress', 'plain'], { env: { SWE_MIRROR_DATA_DIR: coordinatorData } });

    const coordinator = runCli(['run', '--config', path.join(directory, 'queued.yaml'), '--queue', queueUrl, '--progress', 'plain'], { env: { SWE_MIRROR_DATA_DIR: coordinatorData } });
    await firstJobEnqueued(queueUrl, coordinator);
    // From here on nothing of the checkout exists: the worker has only Redis (and its own, empty, data folder).
    await rm(checkout, { recursive: true, force: true });
    worker = spawnWorker(queueUrl, workerData);
    queued = await coordinator;
  }, 900_000);

  afterAll(() => {
    worker?.child.kill('SIGTERM');
  });

  it("mirrors the demo's candidates from the gym and recording the jobs carry, as the local run does", () => {
    expect(local.code, local.output).toBe(0);
    expect(queued.code, `${queued.output}\n--- worker ---\n${worker?.output()}`).toBe(0);
    expect(existsSync(checkout)).toBe(false);
    const expected = readExport(localOutput);
    expect(expected.length).toBeGreaterThan(0);
    expect(readExport(queueOutput)).toEqual(expected);
    const fromLocal = readQueueStore(path.join(localOutput, 'state.sqlite'));
    const fromQueue = readQueueStore(path.join(queueOutput, 'state.sqlite'));
    expect(fromQueue.stages).toEqual(fromLocal.stages);
    expect(fromQueue.modelCallRows).toBe(fromLocal.modelCallRows);
  });

  it('had the worker prepare the gym from what Redis gave it, under its own data folder', () => {
    const results = queued.output.split('\n').filter((line) => /^\[mirror\] \S+: (ok|lost) \(/.test(line));
    expect(results.length).toBeGreaterThan(0);
    for (const line of results) expect(line).toContain(`:${worker?.child.pid})`);
    const unpacked = readdirSync(path.join(workerData, 'queue-gyms')).filter((name) => !name.endsWith('.lock'));
    expect(unpacked).toHaveLength(1);
    expect(unpacked[0]).toMatch(new RegExp(`^${GYM}-`));
    expect(readdirSync(path.join(workerData, 'queue-replays'))).toHaveLength(1);
  });
});

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatModel, ChatRequest } from '../../src/core/model.js';
import type { PipelineEvent } from '../../src/pipeline/events.js';
import type { PreparedGym } from '../../src/gym/types.js';
import { loadGymSpec } from '../../src/config/load-gym-spec.js';
import { putBlob } from '../../src/queue/blob-store.js';
import { MIRROR_QUEUE_NAME, assertQueueReachable, parseQueueLocation } from '../../src/queue/connection.js';
import { publishGym } from '../../src/queue/job-gym.js';
import { MIRROR_JOB_SCHEMA_VERSION, mirrorJobId, type MirrorJobData, type MirrorJobResult } from '../../src/queue/mirror-job.js';
import { rateLimitKey, tryTakeModelToken } from '../../src/queue/model-rate-limit.js';
import { queueMirrorStage, writeMirrorResult } from '../../src/queue/queue-mirror-stage.js';
import { readQueueStatus, renderQueueStatus } from '../../src/queue/queue-status.js';
import { withRedisResponseCache } from '../../src/queue/redis-response-cache.js';
import { startWorker } from '../../src/queue/worker.js';
import { Store } from '../../src/store/store.js';
import { PYTHON_GYM_SPEC } from '../support/pipeline-cli.js';
import { JOB_SOURCE } from './queue-harness.js';
import { REDIS_IS_UP, flushTestDatabase, testRedisUrl } from './redis-for-tests.js';

const DATABASE = 11;

function jobData(overrides: Partial<MirrorJobData> = {}): MirrorJobData {
  return {
    schemaVersion: MIRROR_JOB_SCHEMA_VERSION,
    kind: 'mirror',
    instanceId: 'g__example__versionkit-7',
    candidateId: 1,
    gym: { name: 'g', specHash: 'h', commit: 'c'.repeat(40), files: { name: 'g', specBlob: 'f'.repeat(64), repoKind: 'remote' } },
    source: JOB_SOURCE,
    budget: { retriesPerStep: 1, samples: 1 },
    verify: { strict: false, repeats: { run: 1, test: 1, fix: 1 } },
    model: { config: { provider: 'openai', model: 'm', timeoutSeconds: 10, maxRetries: 0, retryInitialDelaySeconds: 1, temperature: 0.7, maxTokens: 100 }, useCache: true },
    unsafeNoSandbox: false,
    ...overrides,
  };
}

describe.skipIf(!REDIS_IS_UP)('queue parts against a real Redis', { timeout: 120_000 }, () => {
  const location = parseQueueLocation(testRedisUrl(DATABASE), 'swe-mirror-parts');
  let redis: Redis;

  beforeAll(async () => {
    await flushTestDatabase(DATABASE);
    redis = new Redis(location.url);
  });
  afterAll(() => redis?.disconnect());

  it('names an unreachable Redis with a fix, and refuses a URL that is not Redis', async () => {
    await expect(assertQueueReachable(parseQueueLocation('redis://127.0.0.1:1'), 1_000)).rejects.toMatchObject({ code: 'QUEUE_UNREACHABLE', kind: 'infrastructure' });
    expect(() => parseQueueLocation('http://127.0.0.1:6379')).toThrow(/not a Redis URL/);
  });

  it('gives the same work one job id whatever the candidate id or rate limit, and new work a new one', () => {
    const base = mirrorJobId(jobData());
    expect(mirrorJobId(jobData({ candidateId: 99 }))).toBe(base);
    expect(mirrorJobId(jobData({ model: { ...jobData().model, rateLimit: { perMinute: 5 } } }))).toBe(base);
    expect(mirrorJobId(jobData({ verify: { strict: false, repeats: { run: 1, test: 3, fix: 3 } } }))).not.toBe(base);
    expect(mirrorJobId(jobData({ source: { ...JOB_SOURCE, diff: 'other' } }))).not.toBe(base);
    // The gym by spec hash and commit, not by its files' bytes (a git repository's index changes them alone).
    expect(mirrorJobId(jobData({ gym: { ...jobData().gym, files: { name: 'g', specBlob: 'e'.repeat(64), repoKind: 'remote' } } }))).toBe(base);
    expect(mirrorJobId(jobData({ gym: { ...jobData().gym, commit: 'd'.repeat(40) } }))).not.toBe(base);
    // A raised spend cap finds the job of the run it stopped; a candidate cap changes what the job does.
    const capped = mirrorJobId(jobData({ limits: { maxCostUsd: 3, maxCallsPerCandidate: 20 } }));
    expect(mirrorJobId(jobData({ limits: { maxCostUsd: 100, maxCallsPerCandidate: 20 }, spendKey: 'other' }))).toBe(capped);
    expect(mirrorJobId(jobData({ limits: { maxCostUsd: 3, maxCallsPerCandidate: 30 } }))).not.toBe(capped);
    expect(base).not.toContain(':');
  });

  it('answers a request once from the endpoint, then from Redis in any process', async () => {
    let calls = 0;
    const inner: ChatModel = {
      id: 'counting',
      complete: async () => {
        calls += 1;
        return { texts: [`answer ${calls}`], model: 'm', usage: { inputTokens: 3, outputTokens: 4 }, costUsd: 0.5, latencyMs: 1, requestHash: '', cached: false };
      },
    };
    const request: ChatRequest = { messages: [{ role: 'user', content: 'hello' }], step: 'distill' };
    const first = await withRedisResponseCache(inner, { redis, prefix: location.prefix }).complete(request);
    // A second wrapper on its own connection stands for another worker.
    const other = new Redis(location.url);
    try {
      const second = await withRedisResponseCache(inner, { redis: other, prefix: location.prefix }).complete(request);
      expect(second).toMatchObject({ texts: ['answer 1'], cached: true, costUsd: 0 });
      const different = await withRedisResponseCache(inner, { redis: other, prefix: location.prefix }).complete({ ...request, attempt: 1 });
      expect(different.texts).toEqual(['answer 2']);
    } finally {
      other.disconnect();
    }
    expect(first).toMatchObject({ texts: ['answer 1'], cached: false, costUsd: 0.5 });
    expect(calls).toBe(2);
  });

  it('shares one token bucket across connections: the burst goes at once, the next request is told to wait', async () => {
    const key = rateLimitKey(location.prefix, 'bucket-test');
    // One token a minute: the bucket cannot refill between these calls however slow the machine is.
    const limit = { perMinute: 1, burst: 3 };
    for (let index = 0; index < 3; index += 1) expect(await tryTakeModelToken(redis, key, limit)).toBe(0);
    const other = new Redis(location.url);
    try {
      const wait = await tryTakeModelToken(other, key, limit);
      expect(wait).toBeGreaterThan(50_000);
      expect(wait).toBeLessThanOrEqual(60_000);
    } finally {
      other.disconnect();
    }
  });

  it('writes a result delivered twice once: one attempt, one task row, its model calls once', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-queue-store-'));
    const store = Store.open(path.join(directory, 'state.sqlite'));
    try {
      store.addCandidates('g', [{ source: JOB_SOURCE, ruleVerdict: { kept: true, reason: 'ok' }, skipLlmFilter: true }]);
      const candidate = store.candidatesAt('pending-mirror')[0]!;
      const result: MirrorJobResult = {
        schemaVersion: MIRROR_JOB_SCHEMA_VERSION,
        kind: 'mirror',
        instanceId: 'g__example__versionkit-7',
        save: { stage: 'mirror-failed', lossRule: 'mirror-generate', lossReason: 'no edit applied', attempt: { steps: [] }, costUsd: 0.25 },
        modelCalls: [{ step: 'distill', model: 'm', requestHash: 'abc', inputTokens: 1, outputTokens: 2, costUsd: 0.25, latencyMs: 5, cached: false }],
        worker: 'host:1',
      };
      expect(writeMirrorResult(store, candidate.id, result)).toBe(true);
      expect(writeMirrorResult(store, candidate.id, result)).toBe(false);
      const count = (sql: string) => (store.database.prepare(sql).get() as { count: number }).count;
      expect(count('SELECT COUNT(*) AS count FROM attempts')).toBe(1);
      expect(count('SELECT COUNT(*) AS count FROM model_calls')).toBe(1);
      expect(store.candidatesAt('pending-mirror')).toHaveLength(0);
    } finally {
      store.close();
    }
  });

  it('sends a job whose gym cannot be prepared to the dead letters with its reason, and the worker goes on', async () => {
    const queue = new Queue<MirrorJobData>(MIRROR_QUEUE_NAME, { connection: new Redis(location.url, { maxRetriesPerRequest: null }), prefix: location.prefix });
    const lines: string[] = [];
    const worker = await startWorker({ location, concurrency: 1, stallIntervalMs: 5_000, onLog: (line) => lines.push(line), dataDirectory: await mkdtemp(path.join(tmpdir(), 'swe-mirror-queue-data-')) });
    try {
      // The job carries a spec that is no gym spec: the same on every try, so no retry.
      const specFile = path.join(await mkdtemp(path.join(tmpdir(), 'swe-mirror-queue-bad-spec-')), 'gym.yaml');
      await writeFile(specFile, 'name: g\nlanguage: python\n');
      const poisoned = jobData({ gym: { ...jobData().gym, files: { name: 'g', specBlob: await putBlob(redis, location.prefix, specFile), repoKind: 'remote' } } });
      await queue.add('mirror', poisoned, { jobId: mirrorJobId(poisoned), attempts: 3, backoff: { type: 'fixed', delay: 10 } });
      const job = await queue.getJob(mirrorJobId(poisoned));
      // Polled, as the coordinator does: the job's own state is the truth, not an event.
      for (let state = await job!.getState(); state !== 'failed'; state = await job!.getState()) {
        expect(['waiting', 'active', 'delayed', 'prioritized']).toContain(state);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const status = await readQueueStatus(location);
      expect(status.counts.failed).toBe(1);
      expect(status.deadLetters[0]).toMatchObject({ instanceId: poisoned.instanceId, gym: 'g', attemptsMade: 1 });
      expect(status.deadLetters[0]!.reason).toMatch(/g \(a queue job's gym spec\) is not a valid gym spec/);
      expect(renderQueueStatus(status)).toContain('dead letters (1)');
    } finally {
      await worker.close();
      await queue.close();
    }
  });

  it("refuses a job whose gym, rebuilt from what it carries, is not the coordinator's (another spec hash)", async () => {
    const prefix = 'swe-mirror-mismatch';
    const mismatch = parseQueueLocation(location.url, prefix);
    const queue = new Queue<MirrorJobData>(MIRROR_QUEUE_NAME, { connection: new Redis(location.url, { maxRetriesPerRequest: null }), prefix });
    const worker = await startWorker({ location: mismatch, concurrency: 1, stallIntervalMs: 5_000, dataDirectory: await mkdtemp(path.join(tmpdir(), 'swe-mirror-queue-mismatch-')) });
    try {
      const files = await publishGym(redis, prefix, await loadGymSpec(PYTHON_GYM_SPEC));
      const data = jobData({ gym: { name: 'python-pytest', specHash: 'not-the-coordinators', commit: 'c'.repeat(40), files } });
      await queue.add('mirror', data, { jobId: mirrorJobId(data), attempts: 3, backoff: { type: 'fixed', delay: 10 } });
      const job = await queue.getJob(mirrorJobId(data));
      for (let state = await job!.getState(); state !== 'failed'; state = await job!.getState()) {
        expect(['waiting', 'active', 'delayed', 'prioritized']).toContain(state);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const status = await readQueueStatus(mismatch);
      expect(status.deadLetters[0]).toMatchObject({ gym: 'python-pytest', attemptsMade: 1 });
      expect(status.deadLetters[0]!.reason).toMatch(/The gym python-pytest on worker .* is not the coordinator's \(spec hash not-the-coordinators/);
    } finally {
      await worker.close();
      await queue.close();
    }
  });

  it('keeps at most --max-in-flight jobs in the queue: 12 pending candidates, 3 in flight, each result written once', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-queue-backpressure-'));
    const store = Store.open(path.join(directory, 'state.sqlite'));
    const backpressure = parseQueueLocation(location.url, 'swe-mirror-backpressure');
    const connection = new Redis(location.url, { maxRetriesPerRequest: null });
    const queue = new Queue(MIRROR_QUEUE_NAME, { connection, prefix: backpressure.prefix });
    const seen: number[] = [];
    const countEvents: Array<Extract<PipelineEvent, { type: 'queue-counts' }>> = [];
    // Each job, as it starts, counts what the coordinator has put in the queue and not yet taken back.
    const worker = new Worker<MirrorJobData, MirrorJobResult>(
      MIRROR_QUEUE_NAME,
      async (job) => {
        const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed');
        seen.push(Object.values(counts).reduce((sum, count) => sum + count, 0));
        return { schemaVersion: MIRROR_JOB_SCHEMA_VERSION, kind: 'mirror', instanceId: job.data.instanceId, save: { stage: 'mirror-failed', lossRule: 'test', lossReason: 'canned', attempt: {}, costUsd: 0 }, modelCalls: [], worker: 'in-test' };
      },
      { connection, prefix: backpressure.prefix, concurrency: 2 },
    );
    try {
      store.addCandidates('g', Array.from({ length: 12 }, (_, index) => ({ source: { ...JOB_SOURCE, number: 100 + index }, ruleVerdict: { kept: true, reason: 'ok' }, skipLlmFilter: true })));
      const specPath = path.join(directory, 'gym.yaml');
      await writeFile(specPath, 'name: g\n');
      // Only what the coordinator reads to put the gym in Redis: its spec file and a repo that is a URL.
      const gym = { spec: { name: 'g' }, loaded: { specPath, isRemote: true, spec: { name: 'g' } }, specHash: 'h', commit: 'c'.repeat(40) } as unknown as PreparedGym;
      const result = await queueMirrorStage({
        location: backpressure,
        gyms: new Map([['g', gym]]),
        store,
        settings: { budget: jobData().budget, verify: jobData().verify, model: jobData().model, unsafeNoSandbox: false },
        maxInFlight: 3,
        pollIntervalMs: 10,
        reporter: { onEvent: (event) => event.type === 'queue-counts' && countEvents.push(event), close: () => undefined },
      });
      expect(result).toEqual({ verified: 0, leftPending: 0 });
      expect(seen).toHaveLength(12);
      // The live view's queue line: the queue's counts as the coordinator read them, never more jobs than it keeps in flight.
      expect(countEvents.length).toBeGreaterThan(0);
      for (const event of countEvents) {
        expect(event.queue).toBe('swe-mirror-backpressure:mirror');
        expect(Object.values(event.counts).reduce((sum, count) => sum + count, 0)).toBeLessThanOrEqual(3);
      }
      // Read after the last result was written: nothing left in the queue.
      expect(countEvents.at(-1)?.counts).toEqual({ waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 });
      expect(Math.max(...seen)).toBeLessThanOrEqual(3);
      expect(store.candidatesAt('pending-mirror')).toHaveLength(0);
      expect((store.database.prepare('SELECT COUNT(*) AS count FROM attempts').get() as { count: number }).count).toBe(12);
    } finally {
      await worker.close();
      await queue.close();
      connection.disconnect();
      store.close();
    }
  });
});

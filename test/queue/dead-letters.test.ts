import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { ExportResult } from '../../src/dataset/export.js';
import { evaluatePredictions } from '../../src/evaluate/evaluate.js';
import { putBlob } from '../../src/queue/blob-store.js';
import { parseQueueLocation } from '../../src/queue/connection.js';
import { EVALUATE_JOB_SCHEMA_VERSION, EVALUATE_QUEUE_NAME, evaluateJobId, type EvaluateJobData } from '../../src/queue/evaluate-job.js';
import { createQueueEvaluator } from '../../src/queue/queue-evaluator.js';
import { readQueueStatus, renderQueueStatus } from '../../src/queue/queue-status.js';
import { isExportedTask, readExportedTasks } from '../../src/validate/read-exported-tasks.js';
import { ADD_FIX, exportCalcTasks } from '../validate/calc-export.js';
import { spawnWorker, type WorkerProcess } from './queue-harness.js';
import { REDIS_IS_UP, flushTestDatabase, testRedisUrl } from './redis-for-tests.js';

// A poisoned job (its gym's install fails on the worker) and a healthy one on the same queue, one real
// worker process taking one job at a time: the poisoned job goes to the dead letters, with its reason,
// at its first try; the worker goes on and the healthy evaluation is written.
const DATABASE = 9;

describe.skipIf(!REDIS_IS_UP)('a poisoned job', { timeout: 300_000 }, () => {
  const queueUrl = testRedisUrl(DATABASE);
  const location = parseQueueLocation(queueUrl);
  let exported: ExportResult;
  let worker: WorkerProcess;
  let poisonedId: string;

  beforeAll(async () => {
    await flushTestDatabase(DATABASE);
    exported = await exportCalcTasks();
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-dead-letter-'));
    const exportDirectory = path.dirname(exported.sweBenchFile);
    // The same exported gym, but its install fails: what a worker without the gym's toolchain meets.
    const spec = parse(await readFile(path.join(exportDirectory, 'gyms', 'calc.yaml'), 'utf8')) as Record<string, unknown>;
    const poisonedSpec = path.join(directory, 'calc.yaml');
    await writeFile(poisonedSpec, stringify({ ...spec, install: ['echo "no toolchain here" >&2; exit 7'] }));
    const redis = new Redis(queueUrl, { maxRetriesPerRequest: null });
    const queue = new Queue<EvaluateJobData>(EVALUATE_QUEUE_NAME, { connection: redis, prefix: location.prefix });
    try {
      const task = (await readExportedTasks(exported.sweBenchFile)).filter(isExportedTask).find((entry) => entry.instanceId === 'calc-mul')!;
      const { line: _line, ...record } = task;
      const data: EvaluateJobData = {
        schemaVersion: EVALUATE_JOB_SCHEMA_VERSION,
        kind: 'evaluate',
        task: record,
        prediction: { instanceId: 'calc-mul', modelNameOrPath: 'poisoned', modelPatch: task.patch },
        gym: { name: 'calc', specBlob: await putBlob(redis, location.prefix, poisonedSpec), bundleBlob: await putBlob(redis, location.prefix, path.join(exportDirectory, 'bundles', 'calc.bundle')) },
      };
      poisonedId = evaluateJobId(data);
      await queue.add('evaluate', data, { jobId: poisonedId, attempts: 3, backoff: { type: 'fixed', delay: 60_000 } });
    } finally {
      await queue.close();
      redis.disconnect();
    }
    worker = spawnWorker(queueUrl, path.join(directory, 'worker-data'));
  });

  afterAll(() => worker?.child.kill('SIGTERM'));

  it('goes to the dead letters with its reason at its first try, and the worker goes on with the rest', async () => {
    const output = await mkdtemp(path.join(tmpdir(), 'swe-mirror-dead-letter-out-'));
    const remote = await createQueueEvaluator({ location, pollIntervalMs: 50 });
    try {
      const result = await evaluatePredictions({
        tasksFile: exported.sweBenchFile,
        predictions: [{ instanceId: 'calc-add', modelNameOrPath: 'healthy', modelPatch: ADD_FIX }],
        outputDirectory: output,
        remote,
      });
      expect(result.failures, worker.output()).toEqual([]);
      expect(result.evaluations.map((evaluation) => [evaluation.instanceId, evaluation.resolved])).toEqual([['calc-add', true]]);
    } finally {
      await remote.close();
    }
    // The worker takes one job at a time, and the poisoned one was queued first: it has been tried by now.
    const status = await readQueueStatus(location);
    expect(status.counts.failed).toBe(1);
    expect(status.deadLetters).toEqual([
      expect.objectContaining({ kind: 'evaluate', jobId: poisonedId, instanceId: 'calc-mul', model: 'poisoned', gym: 'calc', attemptsMade: 1, worker: expect.stringMatching(new RegExp(`:${worker.child.pid}$`)) }),
    ]);
    expect(status.deadLetters[0]!.reason).toMatch(/Install command 1\/1 of gym calc/);
    const text = renderQueueStatus(status);
    expect(text).toContain('dead letters (1):');
    expect(text).toContain('evaluation of calc-mul (poisoned, gym calc), 1 tries');
    expect(worker.child.exitCode).toBeNull();
  });
});

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Queue } from 'bullmq';
import type { RemoteEvaluator } from '../evaluate/evaluate.js';
import type { InstanceEvaluation } from '../evaluate/evaluate-instance.js';
import { assertQueueReachable, openCoordinatorRedis, type QueueLocation } from './connection.js';
import { createExportGymPublisher } from './export-gym-blobs.js';
import { EVALUATE_JOB_SCHEMA_VERSION, EVALUATE_QUEUE_NAME, evaluateJobId, parseEvaluateJobResult, type EvaluateJobData, type EvaluateJobResult } from './evaluate-job.js';
import { runJobToResult } from './job-wait.js';

export interface QueueEvaluatorOptions {
  location: QueueLocation;
  /** Predictions enqueued and not yet written back, at most; default 64. */
  maxInFlight?: number;
  /** Tries per job (infrastructure errors, a worker that died); default 3. */
  attempts?: number;
  backoffMs?: number;
  pollIntervalMs?: number;
  /** A connection notice (Redis gone, back). */
  onNotice?: (message: string) => void;
}

/**
 * `swe-mirror evaluate --queue`: each non-empty prediction becomes a job on the `evaluate` queue, carrying
 * the task, the patch and the exported gym's spec and bundle by content hash (put in Redis once), so a
 * worker needs nothing from this machine's disk. The result is read from the job's return value by
 * polling the job, never from events; the job is removed once its report is written.
 */
export async function createQueueEvaluator(options: QueueEvaluatorOptions): Promise<RemoteEvaluator & { close(): Promise<void> }> {
  await assertQueueReachable(options.location);
  const notice = options.onNotice ?? (() => undefined);
  const redis = openCoordinatorRedis(options.location, notice);
  const queue = new Queue<EvaluateJobData, EvaluateJobResult>(EVALUATE_QUEUE_NAME, { connection: redis, prefix: options.location.prefix });
  const publishGym = createExportGymPublisher(redis, options.location.prefix);

  return {
    concurrency: Math.max(1, options.maxInFlight ?? 64),
    async evaluate(input): Promise<InstanceEvaluation> {
      const { line: _line, ...task } = input.task;
      const data: EvaluateJobData = {
        schemaVersion: EVALUATE_JOB_SCHEMA_VERSION,
        kind: 'evaluate',
        task,
        prediction: input.prediction,
        gym: await publishGym(input.tasksFile, task),
        ...(input.baselineRuns === undefined ? {} : { baselineRuns: input.baselineRuns }),
      };
      const id = evaluateJobId(data);
      return runJobToResult(queue, 'evaluate', id, data, parseEvaluateJobResult, async (result) => {
        await mkdir(path.dirname(input.logPath), { recursive: true });
        await writeFile(input.logPath, result.log);
        return { ...result.evaluation, logPath: input.logPath };
      }, options);
    },
    async close() {
      await queue.close().catch(() => undefined);
      redis.disconnect();
    },
  };
}

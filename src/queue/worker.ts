import os from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { describeError } from '../core/errors.js';
import { resolveDataDirectory } from '../gym/data-dir.js';
import { openRedis, MIRROR_QUEUE_NAME, type QueueLocation, assertQueueReachable } from './connection.js';
import type { MirrorJobData, MirrorJobResult } from './mirror-job.js';
import { EVALUATE_QUEUE_NAME, type EvaluateJobData, type EvaluateJobResult } from './evaluate-job.js';
import { processEvaluateJob } from './evaluate-processor.js';
import { VERIFY_QUEUE_NAME, type VerifyJobData, type VerifyJobResult } from './verify-job.js';
import { processVerifyJob } from './verify-processor.js';
import { ROLLOUT_QUEUE_NAME, type RolloutJobData, type RolloutJobResult } from './rollout-job.js';
import { processRolloutJob } from './rollout-processor.js';
import { isUnrecoverable, processMirrorJob, type WorkerContext } from './mirror-processor.js';

export interface StartWorkerOptions {
  location: QueueLocation;
  /** Where prepared gyms live (flag, else SWE_MIRROR_DATA_DIR, else the default). */
  dataDirectory?: string;
  /** Jobs at once; default the number of cores. */
  concurrency?: number;
  /** Test-suite runs at once across those jobs; default the number of cores. */
  testConcurrency?: number;
  /**
   * How long a job's lock lives without renewal, in ms: a worker that dies (SIGKILL, lost machine)
   * has its job taken again by another worker about this long later. Default 30 s.
   */
  stallIntervalMs?: number;
  unsafeNoSandbox?: boolean;
  /** One line per job started, finished or failed, and per connection problem. */
  onLog?: (line: string) => void;
}

export interface RunningWorker {
  name: string;
  /** Stop taking jobs, let the running ones finish, disconnect. */
  close(): Promise<void>;
}

export const DEFAULT_STALL_INTERVAL_MS = 30_000;

/** Start a worker that takes mirror, evaluation, verify and rollout jobs from the queue until closed. */
export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  await assertQueueReachable(options.location);
  const log = options.onLog ?? (() => undefined);
  const name = `${os.hostname()}:${process.pid}`;
  let lastError = '';
  const redis = openRedis(options.location, (error) => {
    // One line per distinct problem, not one per reconnection attempt.
    if (error.message !== lastError) log(`queue connection: ${error.message} (reconnecting)`);
    lastError = error.message;
  });
  redis.on('ready', () => {
    if (lastError !== '') log('queue connection: back');
    lastError = '';
  });
  const cores = Math.max(1, os.availableParallelism());
  const context: WorkerContext = {
    redis,
    prefix: options.location.prefix,
    workerName: name,
    dataDirectory: resolveDataDirectory(options.dataDirectory),
    unsafeNoSandbox: options.unsafeNoSandbox ?? false,
    testConcurrency: options.testConcurrency ?? cores,
  };
  const stallIntervalMs = options.stallIntervalMs ?? DEFAULT_STALL_INTERVAL_MS;
  /** One BullMQ worker per queue, all with the same lock and stall settings; user errors go straight to the dead letters. */
  const startQueue = <Data, Result>(queueName: string, process: (job: Job<Data, Result>) => Promise<Result>): Worker<Data, Result> =>
    new Worker<Data, Result>(
      queueName,
      async (job: Job<Data, Result>) => {
        log(`start ${job.id} (attempt ${job.attemptsMade + 1})`);
        try {
          return await process(job);
        } catch (error) {
          // A user error fails the same way every time: straight to the dead letters, with its fix.
          if (isUnrecoverable(error)) throw new UnrecoverableError(describeError(error));
          throw error;
        }
      },
      {
        connection: redis,
        prefix: options.location.prefix,
        name,
        concurrency: options.concurrency ?? cores,
        lockDuration: stallIntervalMs,
        stalledInterval: stallIntervalMs,
        // A job whose worker died twice is more likely to kill workers than to be unlucky.
        maxStalledCount: 2,
      },
    );
  const worker = startQueue<MirrorJobData, MirrorJobResult>(MIRROR_QUEUE_NAME, (job) => processMirrorJob(job.data, context, job));
  // Test-bound evaluation jobs on their own queue, so they never wait behind model-bound mirror jobs.
  const evaluator = startQueue<EvaluateJobData, EvaluateJobResult>(EVALUATE_QUEUE_NAME, (job) => processEvaluateJob(job.data, context, job.id ?? 'job'));
  // `swe-mirror verify --queue` jobs: test-bound too, on their own queue.
  const verifier = startQueue<VerifyJobData, VerifyJobResult>(VERIFY_QUEUE_NAME, (job) => processVerifyJob(job.data, context, job.id ?? 'job'));
  // `swe-mirror rollout --queue` episodes: model-bound and test-bound, on their own queue.
  const episodeRunner = startQueue<RolloutJobData, RolloutJobResult>(ROLLOUT_QUEUE_NAME, (job) => processRolloutJob(job.data, context, job.id ?? 'job'));
  // Typed loosely: only the log lines read the kinds of return value.
  for (const each of [worker, evaluator, verifier, episodeRunner] as unknown as Array<Worker<unknown, { save?: { stage?: string }; stopped?: { stop?: { limit?: string } }; evaluation?: { resolved?: boolean }; verdict?: { valid?: boolean }; record?: { success?: boolean } } | undefined>>) {
    each.on('completed', (job) => {
      const value = job.returnvalue;
      const episode = value?.record ? (value.record.success ? 'success' : 'no success') : 'no result';
      const verdict = value?.verdict ? (value.verdict.valid ? 'valid' : 'invalid') : episode;
      log(`done ${job.id}: ${value?.save?.stage ?? (value?.stopped ? `stopped by limits.${value.stopped.stop?.limit ?? '?'}, candidate left pending` : undefined) ?? (value?.evaluation ? (value.evaluation.resolved ? 'resolved' : 'unresolved') : verdict)}`);
    });
    each.on('failed', (job, error) => log(`failed ${job?.id ?? '?'}: ${error.message.split('\n')[0]}`));
    each.on('error', (error) => {
      if (error.message !== lastError) log(`worker: ${error.message}`);
    });
  }
  await Promise.all([worker.waitUntilReady(), evaluator.waitUntilReady(), verifier.waitUntilReady(), episodeRunner.waitUntilReady()]);
  return {
    name,
    async close() {
      await Promise.all([worker.close(), evaluator.close(), verifier.close(), episodeRunner.close()]);
      redis.disconnect();
    },
  };
}

import { Job, type Queue } from 'bullmq';
import { SweMirrorError } from '../core/errors.js';

const DAY_SECONDS = 24 * 60 * 60;

export interface JobSubmitOptions {
  /** Tries per job (infrastructure errors, a worker that died); default 3. */
  attempts?: number;
  backoffMs?: number;
  pollIntervalMs?: number;
}

/**
 * Enqueue `data` under its content id unless that job exists; a dead letter of an earlier run is tried
 * again, as a rerun of the local command would. Shared by the coordinators of evaluate and verify jobs.
 */
export async function submitJob<Data, Result>(queue: Queue<Data, Result>, name: string, id: string, data: Data, options: JobSubmitOptions): Promise<void> {
  const existing = await Job.fromId<Data, Result>(queue, id);
  if (existing) {
    if ((await existing.getState()) === 'failed') await existing.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return;
  }
  // Typed loosely: BullMQ's name/data generics do not follow a generic Data through add().
  await (queue as unknown as Queue).add(name, data, {
    jobId: id,
    attempts: options.attempts ?? 3,
    backoff: { type: 'exponential', delay: options.backoffMs ?? 10_000 },
    removeOnComplete: { age: 7 * DAY_SECONDS },
    removeOnFail: false,
  });
}

/**
 * Submit a job and wait for its return value by polling the job (never events, which a coordinator that
 * was away would miss). A job gone from Redis is enqueued again; a dead letter is thrown as QUEUE_JOB_FAILED.
 * `onResult` writes the result where the local command does; the job is removed after it.
 */
export async function runJobToResult<Data, Result, Value>(
  queue: Queue<Data, Result>,
  name: string,
  id: string,
  data: Data,
  parse: (value: unknown) => Result | undefined,
  onResult: (result: Result) => Promise<Value>,
  options: JobSubmitOptions = {},
): Promise<Value> {
  await submitJob(queue, name, id, data, options);
  for (;;) {
    // The state before the job: a job read first and completing in between would look completed without its result.
    const state = await queue.getJobState(id);
    const job = await Job.fromId<Data, Result>(queue, id);
    // Gone (a Redis restarted empty, a job removed by hand): enqueue it again; the result is written once anyway.
    if (!job || state === 'unknown') {
      await submitJob(queue, name, id, data, options);
      continue;
    }
    if (state === 'completed') {
      const result = parse(job.returnvalue);
      if (!result) throw new SweMirrorError({ code: 'QUEUE_RESULT_UNREADABLE', kind: 'infrastructure', message: `job ${id} returned no readable result`, hint: 'Run the same command again: the job is then run again.' });
      const value = await onResult(result);
      await job.remove().catch(() => undefined);
      return value;
    }
    if (state === 'failed') {
      throw new SweMirrorError({
        code: 'QUEUE_JOB_FAILED',
        kind: 'infrastructure',
        message: `job ${id} failed after ${job.attemptsMade} tries on ${job.processedBy ?? '?'}: ${job.failedReason ?? 'no reason'}`,
        hint: 'See `swe-mirror status --queue <url>`; run the same command again to retry it.',
      });
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollIntervalMs ?? 250));
  }
}

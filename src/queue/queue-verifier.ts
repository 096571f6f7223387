import { Queue } from 'bullmq';
import type { LoadedGymSpec } from '../config/load-gym-spec.js';
import { assertQueueReachable, openCoordinatorRedis, type QueueLocation } from './connection.js';
import { publishGym } from './job-gym.js';
import { runJobToResult, type JobSubmitOptions } from './job-wait.js';
import { VERIFY_JOB_SCHEMA_VERSION, VERIFY_QUEUE_NAME, parseVerifyJobResult, verifyJobId, type VerifyJobData, type VerifyJobResult } from './verify-job.js';

export interface QueueVerifyInput extends JobSubmitOptions {
  location: QueueLocation;
  loaded: LoadedGymSpec;
  taskName: string;
  patches: VerifyJobData['patches'];
  options: VerifyJobData['options'];
  /** A connection notice (Redis gone, back), and the job id once enqueued. */
  onNotice?: (message: string) => void;
  /** Writes the verdict where a local verify does; the job is removed only after it. */
  onResult: (result: VerifyJobResult) => Promise<void>;
}

/**
 * `swe-mirror verify --queue`: the task becomes one job on the `verify` queue carrying its patches, the
 * options and the gym's spec and source by content hash; a `swe-mirror worker` prepares the gym and
 * verifies as locally; `onResult` writes verdict.json, then the job is removed. Same task content,
 * same job id: a rerun of a finished job reads its result instead of verifying again.
 */
export async function verifyThroughQueue(input: QueueVerifyInput): Promise<VerifyJobResult> {
  await assertQueueReachable(input.location);
  const notice = input.onNotice ?? (() => undefined);
  const redis = openCoordinatorRedis(input.location, notice);
  const queue = new Queue<VerifyJobData, VerifyJobResult>(VERIFY_QUEUE_NAME, { connection: redis, prefix: input.location.prefix });
  try {
    const data: VerifyJobData = {
      schemaVersion: VERIFY_JOB_SCHEMA_VERSION,
      kind: 'verify',
      taskName: input.taskName,
      patches: input.patches,
      gym: await publishGym(redis, input.location.prefix, input.loaded),
      options: input.options,
    };
    const id = verifyJobId(data);
    notice(`job ${id} on ${input.location.url}: waiting for a worker (swe-mirror worker --queue ${input.location.url})`);
    return await runJobToResult(queue, 'verify', id, data, parseVerifyJobResult, async (result) => {
      await input.onResult(result);
      return result;
    }, input);
  } finally {
    await queue.close().catch(() => undefined);
    redis.disconnect();
  }
}

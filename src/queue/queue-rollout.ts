import { Queue } from 'bullmq';
import type { RemoteRollout } from '../agent/rollout.js';
import { SweMirrorError } from '../core/errors.js';
import { assertQueueReachable, openCoordinatorRedis, type QueueLocation } from './connection.js';
import { createExportGymPublisher } from './export-gym-blobs.js';
import { runJobToResult, type JobSubmitOptions } from './job-wait.js';
import { ROLLOUT_JOB_SCHEMA_VERSION, ROLLOUT_QUEUE_NAME, parseRolloutJobResult, rolloutJobId, type RolloutJobData, type RolloutJobResult } from './rollout-job.js';

export interface QueueRolloutOptions extends JobSubmitOptions {
  location: QueueLocation;
  /** Episodes enqueued and not yet written back, at most; default 64. */
  maxInFlight?: number;
  /** The endpoint every worker asks (the key stays in each worker's environment). */
  model: RolloutJobData['model'];
  /** A connection notice (Redis gone, back). */
  onNotice?: (message: string) => void;
}

/**
 * `swe-mirror rollout --queue`: each episode (task, trial) becomes a job on the `rollout` queue carrying the
 * task, its statement, the model endpoint, the settings and the exported gym's spec and bundle by content hash.
 * A `swe-mirror worker` runs it as a local rollout does and returns the trajectory record; this process appends
 * it to the output (the only writer) and then removes the job. Results are read by polling the job, never from events.
 */
export async function createQueueRollout(options: QueueRolloutOptions): Promise<RemoteRollout & { close(): Promise<void> }> {
  await assertQueueReachable(options.location);
  const notice = options.onNotice ?? (() => undefined);
  const redis = openCoordinatorRedis(options.location, notice);
  let isAnnounced = false;
  const queue = new Queue<RolloutJobData, RolloutJobResult>(ROLLOUT_QUEUE_NAME, { connection: redis, prefix: options.location.prefix });
  const publishGym = createExportGymPublisher(redis, options.location.prefix);
  return {
    concurrency: Math.max(1, options.maxInFlight ?? 64),
    async runEpisode(input) {
      const { line: _line, ...task } = input.task;
      const data: RolloutJobData = {
        schemaVersion: ROLLOUT_JOB_SCHEMA_VERSION,
        kind: 'rollout',
        task,
        trial: input.trial,
        problemStatement: input.problemStatement,
        gym: await publishGym(input.tasksFile, task),
        ...(input.baselineRuns === undefined ? {} : { baselineRuns: input.baselineRuns }),
        model: options.model,
        settings: input.settings,
      };
      const id = rolloutJobId(data);
      if (!isAnnounced) notice(`episodes go to the queue ${ROLLOUT_QUEUE_NAME} on ${options.location.url}: they run where \`swe-mirror worker --queue ${options.location.url}\` runs`);
      isAnnounced = true;
      await runJobToResult(queue, 'rollout', id, data, parseRolloutJobResult, async (result) => {
        if (result.record.instance_id !== task.instanceId || result.record.trial !== input.trial) {
          throw new SweMirrorError({
            code: 'QUEUE_RESULT_UNREADABLE',
            kind: 'infrastructure',
            message: `job ${id} returned the episode ${result.record.instance_id} trial ${result.record.trial}, not ${task.instanceId} trial ${input.trial}`,
            hint: 'Remove that job (or flush the queue) and run the same command again.',
          });
        }
        // Written before the job is removed: a kill in between leaves a finished job that the rerun finds in the output.
        await input.write(result.record);
      }, options);
    },
    async close() {
      await queue.close().catch(() => undefined);
      redis.disconnect();
    },
  };
}

import path from 'node:path';
import type { Runtime } from '../core/process.js';
import { prepareGym } from '../gym/prepare.js';
import type { PreparedGym } from '../gym/types.js';
import { decideSandbox } from '../pipeline/sandbox-policy.js';
import { verifyTask } from '../verify/verify-task.js';
import { jobGymDirectory, loadJobGym } from './job-gym.js';
import { runtimeFor, type WorkerContext } from './mirror-processor.js';
import { VERIFY_JOB_SCHEMA_VERSION, type VerifyJobData, type VerifyJobResult } from './verify-job.js';

const preparedGyms = new WeakMap<WorkerContext, Map<string, Promise<PreparedGym>>>();

/**
 * The job's gym, rebuilt on this worker from the spec, source and build context the job names by hash
 * (`loadJobGym`: the coordinator's spec text, so the same spec hash and on-disk cache as a mirror job's), prepared once per worker.
 */
async function gymFor(context: WorkerContext, data: VerifyJobData, runtime: Runtime): Promise<PreparedGym> {
  let gyms = preparedGyms.get(context);
  if (!gyms) preparedGyms.set(context, (gyms = new Map()));
  const key = jobGymDirectory(context.dataDirectory, data.gym);
  let pending = gyms.get(key);
  if (!pending) {
    pending = loadJobGym(context.redis, context.prefix, context.dataDirectory, data.gym).then((loaded) => prepareGym(loaded, { runtime, dataDirectory: context.dataDirectory }));
    gyms.set(key, pending);
    // A failed preparation is tried again by the next job (the failure may be passing), not remembered.
    pending.catch(() => gyms.delete(key));
  }
  return pending;
}

/**
 * Verify one task as `swe-mirror verify` does locally (prepareGym, then verifyTask with the same options),
 * sandboxed as this worker decides; the verdict goes back in the job's return value.
 */
export async function processVerifyJob(data: VerifyJobData, context: WorkerContext, jobId: string): Promise<VerifyJobResult> {
  const decision = await decideSandbox({ command: 'worker', unsafeNoSandbox: context.unsafeNoSandbox, isReplayedModel: false });
  const runtime = runtimeFor(context, decision);
  const gym = await gymFor(context, data, runtime.base);
  const logDirectory = path.join(gym.directory, 'logs', 'verify', jobId);
  const runCounts: VerifyJobResult['runCounts'] = [];
  const verdict = await verifyTask(gym, data.patches, {
    runtime: runtime.limited,
    repeats: data.options.repeats,
    ...(data.options.reruns === undefined ? {} : { reruns: data.options.reruns }),
    ...(data.options.parallelRuns === undefined ? {} : { parallelRuns: data.options.parallelRuns }),
    strict: data.options.strict,
    logDirectory,
    onEvent: (event) => {
      if (event.type === 'run-done') runCounts.push({ passed: event.passed, failed: event.failed, skipped: event.skipped });
    },
  });
  return {
    schemaVersion: VERIFY_JOB_SCHEMA_VERSION,
    kind: 'verify',
    verdict,
    gym: gym.spec.name,
    commit: gym.commit,
    runtime: runtime.limited.name,
    runCounts,
    logDirectory,
    worker: context.workerName,
  };
}

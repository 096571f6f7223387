import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { loadGymSpec } from '../config/load-gym-spec.js';
import type { Runtime } from '../core/process.js';
import { withDirectoryLock } from '../gym/directory-lock.js';
import { prepareGym } from '../gym/prepare.js';
import type { PreparedGym } from '../gym/types.js';
import { decideSandbox } from '../pipeline/sandbox-policy.js';
import { verifyTask } from '../verify/verify-task.js';
import { fetchBlob } from './blob-store.js';
import { runtimeFor, type WorkerContext } from './mirror-processor.js';
import { unpackDirectory } from './gym-pack.js';
import { VERIFY_JOB_SCHEMA_VERSION, type VerifyJobData, type VerifyJobResult } from './verify-job.js';

const PREPARE_WAIT_MS = 60 * 60 * 1000;
const preparedGyms = new WeakMap<WorkerContext, Map<string, Promise<PreparedGym>>>();

/**
 * The job's gym, rebuilt on this worker from the spec and source the job names by hash (the source unpacked
 * or the bundle written beside a copy of the spec whose repo points at it), prepared once per worker.
 */
async function gymFor(context: WorkerContext, data: VerifyJobData, runtime: Runtime): Promise<PreparedGym> {
  let gyms = preparedGyms.get(context);
  if (!gyms) preparedGyms.set(context, (gyms = new Map()));
  const key = `${data.gym.name}-${data.gym.specBlob.slice(0, 16)}-${(data.gym.repoBlob ?? 'remote').slice(0, 16)}`;
  let pending = gyms.get(key);
  if (!pending) {
    pending = (async () => {
      const directory = path.join(context.dataDirectory, 'queue-gyms', key);
      // Workers sharing a data folder unpack one gym into one place: one at a time.
      const specPath = await withDirectoryLock(`${directory}.lock`, PREPARE_WAIT_MS, async () => {
        const original = path.join(directory, 'original.yaml');
        await fetchBlob(context.redis, context.prefix, data.gym.specBlob, original);
        const spec = parse(await readFile(original, 'utf8')) as Record<string, unknown>;
        let repo = spec.repo;
        if (data.gym.repoBlob && data.gym.repoKind === 'bundle') {
          repo = path.join(directory, 'repo.bundle');
          await fetchBlob(context.redis, context.prefix, data.gym.repoBlob, repo as string);
        } else if (data.gym.repoBlob) {
          repo = path.join(directory, 'repo');
          if (!existsSync(repo as string)) {
            const tar = path.join(directory, 'repo.tar');
            await fetchBlob(context.redis, context.prefix, data.gym.repoBlob, tar);
            await unpackDirectory(tar, repo as string);
          }
        }
        const rebuilt = path.join(directory, `${data.gym.name}.yaml`);
        await writeFile(rebuilt, `# ${data.gym.name} rebuilt from a verify job by a swe-mirror worker.\n${stringify({ ...spec, repo })}`);
        return rebuilt;
      });
      return prepareGym(await loadGymSpec(specPath), { runtime, dataDirectory: context.dataDirectory });
    })();
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

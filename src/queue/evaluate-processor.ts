import { existsSync } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Runtime } from '../core/process.js';
import { evaluateInstance } from '../evaluate/evaluate-instance.js';
import { withDirectoryLock } from '../gym/directory-lock.js';
import { decideSandbox } from '../pipeline/sandbox-policy.js';
import { prepareExportedGym, type ExportedGym } from '../validate/prepare-exported-gym.js';
import { fetchBlob } from './blob-store.js';
import { EVALUATE_JOB_SCHEMA_VERSION, type EvaluateJobData, type EvaluateJobResult } from './evaluate-job.js';
import { runtimeFor, type WorkerContext } from './mirror-processor.js';

const LOG_TAIL_BYTES = 1024 * 1024;
const PREPARE_WAIT_MS = 60 * 60 * 1000;
const exportedGyms = new WeakMap<WorkerContext, Map<string, Promise<ExportedGym>>>();

/**
 * The job's exported gym, rebuilt on this worker from the files the job names by hash (a private copy
 * of the export's gyms/ and bundles/ layout), prepared once per worker and data directory. Evaluation
 * and rollout jobs of one export share it.
 */
export async function exportedGymFor(context: WorkerContext, data: Pick<EvaluateJobData, 'gym' | 'baselineRuns'>, runtime: Runtime): Promise<ExportedGym> {
  let gyms = exportedGyms.get(context);
  if (!gyms) exportedGyms.set(context, (gyms = new Map()));
  const exportDirectory = path.join(context.dataDirectory, 'queue-exports', `${data.gym.name}-${data.gym.specBlob.slice(0, 16)}-${data.gym.bundleBlob.slice(0, 16)}`);
  let pending = gyms.get(exportDirectory);
  if (!pending) {
    pending = (async () => {
      await fetchBlob(context.redis, context.prefix, data.gym.specBlob, path.join(exportDirectory, 'gyms', `${data.gym.name}.yaml`));
      await fetchBlob(context.redis, context.prefix, data.gym.bundleBlob, path.join(exportDirectory, 'bundles', `${data.gym.name}.bundle`));
      // Workers sharing a data folder clone the bundle into one place (keyed by its content): one at a time.
      const cloneLock = path.join(context.dataDirectory, 'exported-gyms', `${data.gym.name}-${data.gym.bundleBlob.slice(0, 16)}.lock`);
      return withDirectoryLock(cloneLock, PREPARE_WAIT_MS, () => prepareExportedGym({
        exportDirectory,
        gymName: data.gym.name,
        workDirectory: path.join(context.dataDirectory, 'exported-gyms'),
        dataDirectory: context.dataDirectory,
        runtime,
        fallbackCommit: data.gym.fallbackCommit,
        ...(data.baselineRuns === undefined ? {} : { baselineRuns: data.baselineRuns }),
      }));
    })();
    gyms.set(exportDirectory, pending);
    // A failed preparation is tried again by the next job (the failure may be passing), not remembered.
    pending.catch(() => gyms.delete(exportDirectory));
  }
  return pending;
}

async function readTail(file: string): Promise<string> {
  if (!existsSync(file)) return '';
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, LOG_TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * Evaluate one prediction as `swe-mirror evaluate` does locally (evaluateInstance on the exported gym),
 * sandboxed as this worker decides: a job cannot switch the sandbox off, only the worker's own flag can.
 */
export async function processEvaluateJob(data: EvaluateJobData, context: WorkerContext, jobId: string): Promise<EvaluateJobResult> {
  const decision = await decideSandbox({ command: 'worker', unsafeNoSandbox: context.unsafeNoSandbox, isReplayedModel: false });
  const runtime = runtimeFor(context, decision);
  const exported = await exportedGymFor(context, data, runtime.base);
  const logDirectory = path.join(context.dataDirectory, 'queue-logs', 'evaluate', jobId);
  await mkdir(logDirectory, { recursive: true });
  const logPath = path.join(logDirectory, 'test_output.txt');
  await rm(logPath, { force: true });
  const missing = (await runtime.base.describeProtections()).missing;
  const evaluation = await evaluateInstance({
    exported,
    runtime: runtime.limited,
    task: { ...data.task, line: 0 },
    modelNameOrPath: data.prediction.modelNameOrPath,
    patch: data.prediction.modelPatch,
    logPath,
  });
  const log = await readTail(logPath);
  return {
    schemaVersion: EVALUATE_JOB_SCHEMA_VERSION,
    kind: 'evaluate',
    evaluation: { ...evaluation, sandbox: { isolated: missing.length === 0, unsafeNoSandbox: decision.record.unsafeNoSandbox, missing } },
    log,
    worker: context.workerName,
  };
}

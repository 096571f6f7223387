import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ExportedJobGym } from './export-gym-blobs.js';
import type { InstanceEvaluation } from '../evaluate/evaluate-instance.js';
import type { Prediction } from '../evaluate/predictions.js';
import type { ExportedTask } from '../validate/read-exported-tasks.js';
import { stableJson } from './mirror-job.js';

export const EVALUATE_JOB_SCHEMA_VERSION = 1;
/** The queue evaluation jobs travel on: test-bound work, apart from the model-bound mirror jobs. */
export const EVALUATE_QUEUE_NAME = 'evaluate';

/** What a worker needs to evaluate one prediction: the task, the patch, and the exported gym's files by content hash. */
export interface EvaluateJobData {
  schemaVersion: number;
  kind: 'evaluate';
  task: Omit<ExportedTask, 'line'>;
  prediction: Prediction;
  /** The export's gym spec and bundle by sha256 (`createExportGymPublisher`). */
  gym: ExportedJobGym;
  baselineRuns?: number;
}

/** A job's return value: the evaluation as the local run writes it, and the tail of the suite's output. */
export interface EvaluateJobResult {
  schemaVersion: number;
  kind: 'evaluate';
  evaluation: InstanceEvaluation;
  /** test_output.txt as the worker wrote it (its last 1 MiB). */
  log: string;
  worker: string;
}

const resultSchema = z.looseObject({
  schemaVersion: z.literal(EVALUATE_JOB_SCHEMA_VERSION),
  kind: z.literal('evaluate'),
  evaluation: z.looseObject({ instanceId: z.string(), modelNameOrPath: z.string(), resolved: z.boolean(), patchApplied: z.boolean() }),
  log: z.string(),
  worker: z.string(),
});

/** Read an evaluation job's return value; undefined when this version did not write it (the job then runs again). */
export function parseEvaluateJobResult(value: unknown): EvaluateJobResult | undefined {
  const parsed = resultSchema.safeParse(value);
  return parsed.success ? (parsed.data as unknown as EvaluateJobResult) : undefined;
}

/** The job id: instance, model and a hash of everything the evaluation depends on (same work, same job, across runs). */
export function evaluateJobId(data: EvaluateJobData): string {
  const hash = createHash('sha256').update(stableJson(data)).digest('hex').slice(0, 16);
  const safe = (text: string) => text.replace(/[^A-Za-z0-9._-]/g, '_');
  return `evaluate__${safe(data.task.instanceId)}__${safe(data.prediction.modelNameOrPath)}__${hash}`;
}

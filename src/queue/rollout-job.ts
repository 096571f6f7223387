import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { EpisodeSettings } from '../agent/rollout.js';
import { TRAJECTORY_FORMAT, type TrajectoryRecord } from '../agent/trajectory.js';
import type { ExportedTask } from '../validate/read-exported-tasks.js';
import type { ExportedJobGym } from './export-gym-blobs.js';
import { stableJson } from './mirror-job.js';
import type { ModelRateLimit } from './model-rate-limit.js';

export const ROLLOUT_JOB_SCHEMA_VERSION = 1;
/** The queue rollout jobs travel on: one agent episode each (model-bound and test-bound), apart from the other kinds. */
export const ROLLOUT_QUEUE_NAME = 'rollout';

/** What a worker needs to run one episode: the task, its statement, the exported gym by content hash, the model endpoint and the settings. */
export interface RolloutJobData {
  schemaVersion: number;
  kind: 'rollout';
  task: Omit<ExportedTask, 'line'>;
  trial: number;
  problemStatement: string;
  gym: ExportedJobGym;
  baselineRuns?: number;
  model: {
    /** The model name at the endpoint (`openai:<name>` on the command line). */
    name: string;
    baseUrl?: string;
    /** The NAME of the variable holding the API key: each worker reads the key from its own environment; no key travels. */
    apiKeyEnv: string;
    /** Requests a minute across every worker (`--model-rate`); not part of the job id. */
    rateLimit?: ModelRateLimit;
  };
  settings: EpisodeSettings;
}

/** A job's return value: the trajectory record exactly as a local rollout writes it. */
export interface RolloutJobResult {
  schemaVersion: number;
  kind: 'rollout';
  record: TrajectoryRecord;
  /** Which worker ran the episode (`host:pid`). */
  worker: string;
}

const resultSchema = z.looseObject({
  schemaVersion: z.literal(ROLLOUT_JOB_SCHEMA_VERSION),
  kind: z.literal('rollout'),
  // Loose: every field of the local record travels through unchanged.
  record: z.looseObject({
    format: z.literal(TRAJECTORY_FORMAT),
    instance_id: z.string(),
    trial: z.number().int(),
    messages: z.array(z.looseObject({ role: z.string() })),
    patch: z.string(),
    exit_reason: z.string(),
    success: z.boolean(),
  }),
  worker: z.string(),
});

/** Read a rollout job's return value; undefined when this version did not write it (the job then runs again). */
export function parseRolloutJobResult(value: unknown): RolloutJobResult | undefined {
  const parsed = resultSchema.safeParse(value);
  return parsed.success ? (parsed.data as unknown as RolloutJobResult) : undefined;
}

/**
 * The job id: instance, trial and a hash of everything that defines the episode (task, statement, gym
 * files, model, endpoint, temperature, round and budget limits). Enqueueing the same episode twice is
 * one job, and a rerun finds a finished one by it; the rate limit shapes how fast, not what, so it is left out.
 */
export function rolloutJobId(data: RolloutJobData): string {
  const content = { ...data, model: { ...data.model, rateLimit: undefined } };
  const hash = createHash('sha256').update(stableJson(content)).digest('hex').slice(0, 16);
  // BullMQ refuses ':' in custom ids.
  return `rollout__${data.task.instanceId.replace(/[^A-Za-z0-9._-]/g, '_')}__trial-${data.trial}__${hash}`;
}

import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { SourcePR } from '../core/records.js';
import type { ModelConfig } from '../llm/model-config.js';
import type { ModelCallRow } from '../store/store.js';
import type { MirrorSave } from '../pipeline/mirror-stage.js';
import type { UnsafeNoSandboxSetting } from '../pipeline/sandbox-policy.js';
import type { ModelRateLimit } from './model-rate-limit.js';

// 2: the outcome travels as the store's record (`save`), built by the local stage's planMirrorSave.
export const MIRROR_JOB_SCHEMA_VERSION = 2;

/** What a worker needs to mirror one candidate: everything travels in the job, nothing is read from the store. */
export interface MirrorJobData {
  schemaVersion: number;
  kind: 'mirror';
  instanceId: string;
  /** The coordinator's candidate id: informational (the coordinator maps results back by job id). */
  candidateId: number;
  gym: {
    name: string;
    /** Absolute path of the gym spec; a worker on another machine must see the same path (shared checkout or volume). */
    specPath: string;
    /** The coordinator's spec hash and commit: a worker whose gym differs refuses the job. */
    specHash: string;
    commit: string;
  };
  source: SourcePR;
  budget: { retriesPerStep: number; samples: number; temperature?: number };
  verify: { strict: boolean; repeats: { run: number; test: number; fix: number }; reruns?: number };
  model: {
    /** The resolved model config, without secrets: each worker reads the API key from its own environment. */
    config: ModelConfig;
    replayPath?: string;
    useCache: boolean;
    rateLimit?: ModelRateLimit;
  };
  /** The run config's setting; a worker honours only `replayed-models` from a job, `true` must be its own flag. */
  unsafeNoSandbox: UnsafeNoSandboxSetting;
  /**
   * An interrupted attempt to continue at its failed step (an AttemptLog): the store's, from an earlier
   * run, or the one a worker wrote back into the job when infrastructure trouble stopped its try.
   */
  resume?: unknown;
}

/** A model call made inside a job, as the coordinator records it in the store (tied to the candidate there). */
export type JobModelCall = Omit<ModelCallRow, 'candidateId'>;

/** A job's return value: the outcome exactly as the local mirror stage would store it. */
export interface MirrorJobResult {
  schemaVersion: number;
  kind: 'mirror';
  instanceId: string;
  /** What the store saves for the candidate, as `planMirrorSave` builds it for a local run. */
  save: MirrorSave;
  modelCalls: JobModelCall[];
  /** Which worker produced it (`host:pid`). */
  worker: string;
}

const taskSchema = z.looseObject({ instanceId: z.string(), FAIL_TO_PASS: z.array(z.string()), PASS_TO_PASS: z.array(z.string()), fixPatch: z.string() });

const resultSchema = z.looseObject({
  schemaVersion: z.literal(MIRROR_JOB_SCHEMA_VERSION),
  kind: z.literal('mirror'),
  instanceId: z.string(),
  // Loose: fields the local stage adds to its record travel through unchanged.
  save: z.looseObject({
    stage: z.enum(['verified', 'mirror-failed', 'rejected-by-verifier']),
    lossRule: z.string().optional(),
    lossReason: z.string().optional(),
    attempt: z.unknown(),
    costUsd: z.number(),
    task: taskSchema.optional(),
  }),
  modelCalls: z.array(
    z.object({
      step: z.string(),
      model: z.string(),
      requestHash: z.string(),
      inputTokens: z.number(),
      outputTokens: z.number(),
      costUsd: z.number(),
      latencyMs: z.number(),
      cached: z.boolean(),
    }),
  ),
  worker: z.string(),
});

/** Read a job's return value; undefined when it is not a result this version writes (then the job runs again). */
export function parseMirrorJobResult(value: unknown): MirrorJobResult | undefined {
  const parsed = resultSchema.safeParse(value);
  if (!parsed.success) return undefined;
  if (parsed.data.save.stage === 'verified' && !parsed.data.save.task) return undefined;
  return parsed.data as unknown as MirrorJobResult;
}

/** JSON with sorted keys and no undefined fields: equal content, equal text (for content-derived job ids). */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, item]) => `${JSON.stringify(key)}:${stableJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The job id: the instance id plus a hash of everything the result depends on (not the store's
 * candidate id). Enqueueing the same work twice is one job; a changed config, gym or PR is a new one.
 */
export function mirrorJobId(data: MirrorJobData): string {
  // The rate limit shapes how fast, not what: changing it must not orphan finished jobs.
  // Neither is the work itself: the candidate id is the store's, the checkpoint only saves finished steps.
  const { candidateId: _candidateId, resume: _resume, model, ...rest } = data;
  const content = { ...rest, model: { ...model, rateLimit: undefined } };
  const hash = createHash('sha256').update(stableJson(content)).digest('hex').slice(0, 16);
  // BullMQ refuses ':' in custom ids; instance ids hold only [A-Za-z0-9._-] anyway.
  return `mirror__${data.instanceId.replace(/[^A-Za-z0-9._-]/g, '_')}__${hash}`;
}

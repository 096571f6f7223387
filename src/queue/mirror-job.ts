import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { BudgetStop } from '../budget/budget-guard.js';
import type { Limits } from '../budget/budget-config.js';
import type { SourcePR } from '../core/records.js';
import type { ModelConfig } from '../llm/model-config.js';
import type { ModelCallRow } from '../store/store.js';
import type { MirrorSave } from '../pipeline/mirror-stage.js';
import type { UnsafeNoSandboxSetting } from '../pipeline/sandbox-policy.js';
import type { JobGymFiles } from './job-gym.js';
import type { ModelRateLimit } from './model-rate-limit.js';

// 2: the outcome travels as the store's record (`save`), built by the local stage's planMirrorSave.
// 3: the gym and a replay recording travel by content hash (no coordinator path); budgets (`limits`, `stopped`).
export const MIRROR_JOB_SCHEMA_VERSION = 3;

/** What a worker needs to mirror one candidate: everything travels in the job, nothing is read from the store. */
export interface MirrorJobData {
  schemaVersion: number;
  kind: 'mirror';
  instanceId: string;
  /** The coordinator's candidate id: informational (the coordinator maps results back by job id). */
  candidateId: number;
  gym: {
    name: string;
    /** The coordinator's spec hash and commit: a worker whose gym differs refuses the job. */
    specHash: string;
    commit: string;
    /** The spec and its local source in Redis by sha256 (`publishGym`): a worker needs no path of the coordinator's. */
    files: JobGymFiles;
  };
  source: SourcePR;
  budget: { retriesPerStep: number; samples: number; temperature?: number };
  verify: { strict: boolean; repeats: { run: number; test: number; fix: number }; reruns?: number };
  model: {
    /** The resolved model config, without secrets: each worker reads the API key from its own environment. */
    config: ModelConfig;
    /** sha256 of the replay recording in Redis, when the model is replayed. */
    replayBlob?: string;
    useCache: boolean;
    rateLimit?: ModelRateLimit;
  };
  /** The run config's setting; a worker honours only `replayed-models` from a job, `true` must be its own flag. */
  unsafeNoSandbox: UnsafeNoSandboxSetting;
  /** The run's `limits:` (docs/budgets.md): per-candidate caps by the worker's own guard, spend caps against `spendKey`. */
  limits?: Limits;
  /** The Redis hash of the store's spend (`sharedSpendKey`) every worker checks before and adds to after each call. */
  spendKey?: string;
  /** Model calls the candidate made earlier in this run (its LLM filter, on the coordinator): `maxCallsPerCandidate` counts them. */
  callsBefore?: number;
  /**
   * An interrupted attempt to continue at its failed step (an AttemptLog): the store's, from an earlier
   * run, or the one a worker wrote back into the job when infrastructure trouble stopped its try.
   */
  resume?: unknown;
}

/** A model call made inside a job, as the coordinator records it in the store (tied to the candidate there). */
export type JobModelCall = Omit<ModelCallRow, 'candidateId'>;

/**
 * A job's return value: the outcome exactly as the local mirror stage would store it (`save`), or, when a
 * spend cap stopped the job, the stop and the checkpoint to continue from (`stopped`; the candidate stays pending).
 */
export interface MirrorJobResult {
  schemaVersion: number;
  kind: 'mirror';
  instanceId: string;
  /** What the store saves for the candidate, as `planMirrorSave` builds it for a local run. */
  save?: MirrorSave;
  stopped?: { stop: BudgetStop; resume?: unknown };
  /** Every call the job made, paid ones of a stopped job too: they count towards the store's spend. */
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
  save: z
    .looseObject({
      stage: z.enum(['verified', 'mirror-failed', 'rejected-by-verifier']),
      lossRule: z.string().optional(),
      lossReason: z.string().optional(),
      attempt: z.unknown(),
      costUsd: z.number(),
      task: taskSchema.optional(),
    })
    .optional(),
  stopped: z
    .object({
      stop: z.looseObject({ limit: z.enum(['maxCostUsd', 'maxCostUsdPerGym']), limitUsd: z.number(), spentUsd: z.number(), message: z.string(), at: z.string() }),
      resume: z.unknown().optional(),
    })
    .optional(),
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
  const { save, stopped } = parsed.data;
  if ((save === undefined) === (stopped === undefined)) return undefined;
  if (save?.stage === 'verified' && !save.task) return undefined;
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
  // The spend caps decide whether the job may call the model, not what it answers: a raised cap finds the same job.
  // The gym is named by spec hash and commit, not by its files' bytes (a git repository's index changes them alone).
  // The calls before it are this run's: a rerun that finds the job of a killed run keeps that run's count.
  const { candidateId: _candidateId, resume: _resume, spendKey: _spendKey, callsBefore: _callsBefore, model, limits, gym, ...rest } = data;
  const candidateLimits = limits ? { maxCallsPerCandidate: limits.maxCallsPerCandidate, maxTokensPerStep: limits.maxTokensPerStep } : undefined;
  const content = { ...rest, gym: { name: gym.name, specHash: gym.specHash, commit: gym.commit }, limits: candidateLimits, model: { ...model, rateLimit: undefined } };
  const hash = createHash('sha256').update(stableJson(content)).digest('hex').slice(0, 16);
  // BullMQ refuses ':' in custom ids; instance ids hold only [A-Za-z0-9._-] anyway.
  return `mirror__${data.instanceId.replace(/[^A-Za-z0-9._-]/g, '_')}__${hash}`;
}

import path from 'node:path';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import pLimit from 'p-limit';
import { BUDGET_REACHED, BudgetGuard, withBudget, type BudgetStop } from '../budget/budget-guard.js';
import { SharedSpend, withSharedBudget } from '../budget/shared-spend.js';
import { SweMirrorError, isSweMirrorError } from '../core/errors.js';
import type { ChatModel, ChatRequest } from '../core/model.js';
import type { Runtime } from '../core/process.js';
import { prepareGym } from '../gym/prepare.js';
import type { PreparedGym } from '../gym/types.js';
import { leaseWorkingCopy, type WorkingCopyLease } from '../gym/working-copies.js';
import { withCallObserver } from '../llm/call-observer.js';
import { createModel } from '../llm/create-model.js';
import { mirrorCandidate } from '../mirror/mirror-candidate.js';
import type { AttemptLog } from '../mirror/types.js';
import { modelCallRowOf } from '../pipeline/candidate-model.js';
import { limitRuntime } from '../pipeline/limits.js';
import { planMirrorSave } from '../pipeline/mirror-stage.js';
import { decideSandbox, type SandboxDecision } from '../pipeline/sandbox-policy.js';
import { createLocalRuntime } from '../runtime/local.js';
import { fetchBlob } from './blob-store.js';
import { loadJobGym } from './job-gym.js';
import { MIRROR_JOB_SCHEMA_VERSION, type JobModelCall, type MirrorJobData, type MirrorJobResult } from './mirror-job.js';
import { withModelRateLimit } from './model-rate-limit.js';
import { withRedisResponseCache } from './redis-response-cache.js';

/** What one worker process keeps between jobs: its prepared gyms and runtimes, its Redis connection. */
export interface WorkerContext {
  redis: Redis;
  prefix: string;
  /** `host:pid`, recorded on every job it takes and in every result. */
  workerName: string;
  dataDirectory: string;
  /** The worker's own --unsafe-no-sandbox flag: only it lets a live model's code run unconfined. */
  unsafeNoSandbox: boolean;
  /** Test-suite runs at once in this worker, across its jobs. */
  testConcurrency: number;
  /** Injected environment for API keys (tests); default process.env. */
  environment?: Readonly<Record<string, string | undefined>>;
}

interface WorkerCaches {
  gyms: Map<string, Promise<PreparedGym>>;
  runtimes: Map<string, { base: Runtime; limited: Runtime }>;
  testLimit: ReturnType<typeof pLimit>;
}

const caches = new WeakMap<WorkerContext, WorkerCaches>();

function cachesOf(context: WorkerContext): WorkerCaches {
  let found = caches.get(context);
  if (!found) {
    found = { gyms: new Map(), runtimes: new Map(), testLimit: pLimit(context.testConcurrency) };
    caches.set(context, found);
  }
  return found;
}

/** The worker's runtime for a sandbox decision, its test runs bounded by the worker's --tests across all its jobs. */
export function runtimeFor(context: WorkerContext, decision: SandboxDecision): { base: Runtime; limited: Runtime } {
  const worker = cachesOf(context);
  let runtime = worker.runtimes.get(decision.runtimeSandbox);
  if (!runtime) {
    const base = createLocalRuntime({ sandbox: decision.runtimeSandbox });
    runtime = { base, limited: limitRuntime(base, worker.testLimit) };
    worker.runtimes.set(decision.runtimeSandbox, runtime);
  }
  return runtime;
}

/**
 * Prepare the job's gym once per worker (and once per data directory: prepareGym caches on disk and locks),
 * from the spec and source the job carries by hash. A gym that comes out other than the coordinator's
 * (a git URL whose branch moved, a file the spec reads that is not its source or Docker build context) is refused.
 */
async function gymFor(context: WorkerContext, data: MirrorJobData, runtime: Runtime): Promise<PreparedGym> {
  const worker = cachesOf(context);
  const { files } = data.gym;
  const key = `${files.name}\u0000${files.specBlob}\u0000${files.repoBlob ?? ''}`;
  let pending = worker.gyms.get(key);
  if (!pending) {
    pending = loadJobGym(context.redis, context.prefix, context.dataDirectory, files).then((loaded) => prepareGym(loaded, { runtime, dataDirectory: context.dataDirectory }));
    worker.gyms.set(key, pending);
    // A failed preparation is tried again by the next job (the failure may be passing), not remembered.
    pending.catch(() => worker.gyms.delete(key));
  }
  const gym = await pending;
  if (gym.specHash !== data.gym.specHash || gym.commit !== data.gym.commit) {
    throw new SweMirrorError({
      code: 'QUEUE_GYM_MISMATCH',
      kind: 'user',
      message: `The gym ${data.gym.name} on worker ${context.workerName} (spec hash ${gym.specHash}, commit ${gym.commit.slice(0, 12)}) is not the coordinator's (spec hash ${data.gym.specHash}, commit ${data.gym.commit.slice(0, 12)}).`,
      hint: 'The job carries the spec and its local source; a git URL repo is cloned by each worker, so pin `commit:` in the spec. Only the spec, its source and the build context of a Dockerfile gym travel. See docs/distributed.md.',
    });
  }
  return gym;
}

/** The job's replay recording on this machine (fetched from Redis once per data folder), when it has one. */
async function replayPathFor(context: WorkerContext, data: MirrorJobData): Promise<string | undefined> {
  const hash = data.model.replayBlob;
  if (hash === undefined) return undefined;
  const file = path.join(context.dataDirectory, 'queue-replays', `${hash}.jsonl`);
  await fetchBlob(context.redis, context.prefix, hash, file);
  return file;
}

/** The worker's model for one job: the queue-wide rate limit under a cache in Redis (a replayed model as it is). */
function modelFor(context: WorkerContext, data: MirrorJobData, replayPath: string | undefined): ChatModel {
  const { config } = data.model;
  let model = createModel(config, {
    ...(replayPath ? { replayPath } : {}),
    ...(context.environment ? { environment: context.environment } : {}),
  });
  // A replayed model answers by the request as the pipeline sends it (createModel adds no defaults to it either).
  if (replayPath !== undefined || config.provider === 'replay') return model;
  if (data.model.rateLimit) model = withModelRateLimit(model, { redis: context.redis, prefix: context.prefix, limit: data.model.rateLimit });
  if (data.model.useCache) model = withRedisResponseCache(model, { redis: context.redis, prefix: context.prefix });
  // The config's defaults go in before the cache layer hashes the request, as createModel does for its own cache.
  const inner = model;
  return {
    id: inner.id,
    complete: (request: ChatRequest) =>
      inner.complete({
        ...request,
        ...(request.temperature === undefined && config.temperature !== null ? { temperature: config.temperature } : {}),
        ...(request.maxTokens === undefined ? { maxTokens: config.maxTokens } : {}),
      }),
  };
}

/**
 * Mirror one candidate, verification included, and return the outcome as the store will hold it.
 * Throws on infrastructure trouble (BullMQ retries the job with backoff); a user error (a gym that
 * cannot be the coordinator's, no sandbox) is marked `isUnrecoverable` so it goes straight to the dead letters.
 */
export async function processMirrorJob(data: MirrorJobData, context: WorkerContext, job?: Pick<Job<MirrorJobData>, 'updateData'>): Promise<MirrorJobResult> {
  const isReplayedModel = data.model.replayBlob !== undefined || data.model.config.provider === 'replay';
  const decision = await decideSandbox({
    command: 'worker',
    unsafeNoSandbox: context.unsafeNoSandbox ? true : data.unsafeNoSandbox === 'replayed-models' ? 'replayed-models' : false,
    isReplayedModel,
  });
  const runtime = runtimeFor(context, decision);
  const gym = await gymFor(context, data, runtime.base);
  const calls: JobModelCall[] = [];
  const unbudgeted = modelFor(context, data, await replayPathFor(context, data));
  // The local guard for the candidate's own caps; the spend caps read the store's shared spend before every call.
  const guard = data.limits ? new BudgetGuard(data.limits) : undefined;
  if (guard && data.callsBefore) guard.countEarlierCalls(data.candidateId, data.callsBefore);
  const scope = { gym: data.gym.name, candidateId: data.candidateId };
  const budgeted = !guard ? unbudgeted : data.spendKey ? withSharedBudget(unbudgeted, guard, new SharedSpend(context.redis, data.spendKey), scope) : withBudget(unbudgeted, guard, scope);
  // Every call collected for the result, a refused one too (as the local stage records it: an error row, $0).
  const model = withCallObserver(budgeted, (record) => calls.push(modelCallRowOf(record)));
  let lease: WorkingCopyLease | undefined;
  let interrupted: AttemptLog | undefined;
  try {
    lease = await leaseWorkingCopy(gym);
    const outcome = await mirrorCandidate({
      gym,
      source: data.source,
      model,
      runtime: runtime.limited,
      workdir: lease.workdir,
      budget: data.budget,
      logDirectory: path.join(context.dataDirectory, 'queue-logs', data.instanceId),
      verifyOptions: { ...data.verify, unsafeNoSandbox: decision.record.unsafeNoSandbox },
      ...(data.resume ? { resume: data.resume as AttemptLog } : {}),
      onInterrupted: (attempt) => (interrupted = attempt),
    });
    const candidate = { id: data.candidateId, gym: data.gym.name, stage: 'pending-mirror' as const, source: data.source, lossRule: null, lossReason: null };
    const save = planMirrorSave(gym, candidate, outcome, model.id);
    // As the local stage records it: a candidate cap the candidate ran into is its loss rule.
    const hit = guard?.hitOf(data.candidateId);
    if (hit && save.stage !== 'verified') save.lossRule = hit.rule;
    return { schemaVersion: MIRROR_JOB_SCHEMA_VERSION, kind: 'mirror', instanceId: data.instanceId, save, modelCalls: calls, worker: context.workerName };
  } catch (error) {
    // A spend cap reached: not a failure. The candidate stays pending with its checkpoint, as a local run leaves it.
    if (isSweMirrorError(error) && error.code === BUDGET_REACHED) {
      const stop = error.details as unknown as BudgetStop;
      return { schemaVersion: MIRROR_JOB_SCHEMA_VERSION, kind: 'mirror', instanceId: data.instanceId, stopped: { stop, ...(interrupted ? { resume: interrupted } : {}) }, modelCalls: calls, worker: context.workerName };
    }
    // The next try (here or on another worker) continues at the failed step, and so does the coordinator's next run.
    if (interrupted && job) await job.updateData({ ...data, resume: interrupted }).catch(() => undefined);
    throw error;
  } finally {
    await lease?.release().catch(() => undefined);
  }
}

/** Whether retrying cannot help: a user error (config, gym spec, sandbox) as opposed to infrastructure trouble. */
export function isUnrecoverable(error: unknown): boolean {
  return isSweMirrorError(error) && error.kind === 'user';
}

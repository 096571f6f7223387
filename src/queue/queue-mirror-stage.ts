import { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { BudgetGuard } from '../budget/budget-guard.js';
import { readRecordedSpend } from '../budget/run-stop.js';
import { SharedSpend, sharedSpendKey, storeIdentity } from '../budget/shared-spend.js';
import { describeError } from '../core/errors.js';
import type { PreparedGym } from '../gym/types.js';
import type { PipelineReporter } from '../pipeline/events.js';
import { describeMirrorSave, instanceIdFor, pendingMirrorCandidates } from '../pipeline/mirror-stage.js';
import type { StoredCandidate, Store } from '../store/store.js';
import { putBlob } from './blob-store.js';
import { MIRROR_QUEUE_NAME, openCoordinatorRedis, type QueueLocation } from './connection.js';
import { publishGym, type JobGymFiles } from './job-gym.js';
import { MIRROR_JOB_SCHEMA_VERSION, mirrorJobId, parseMirrorJobResult, type MirrorJobData, type MirrorJobResult } from './mirror-job.js';

/** The parts of a mirror job that come from the run's config, the same for every candidate; the replay file travels by hash. */
export type MirrorJobSettings = Pick<MirrorJobData, 'budget' | 'verify' | 'model' | 'unsafeNoSandbox' | 'limits'> & { replayPath?: string };

export interface QueueMirrorStageInput {
  location: QueueLocation;
  gyms: ReadonlyMap<string, PreparedGym>;
  store: Store;
  reporter: PipelineReporter;
  settings: MirrorJobSettings;
  maxCandidatesPerGym?: number;
  /** Jobs this coordinator has enqueued and not yet written back, at most; default 64. */
  maxInFlight?: number;
  /** Tries per job (infrastructure errors are retried with exponential backoff); default 3. */
  attempts?: number;
  /** First backoff delay in ms; default 10 s. */
  backoffMs?: number;
  /** How often the jobs in flight are read back, in ms; default 250. */
  pollIntervalMs?: number;
  /**
   * The run's budget guard (limits:): seeded into Redis as the store's shared spend, which every worker checks
   * and adds to; no job is enqueued once a spend cap is reached, and the guard ends the stage knowing every worker's spend.
   */
  budget?: BudgetGuard;
}

interface InFlight {
  candidate: StoredCandidate;
  data: MirrorJobData;
  id: string;
  item: string;
}

const DAY_SECONDS = 24 * 60 * 60;

/** What every job carries besides the candidate: the run's settings, the gyms' files and the replay file by hash, the spend key. */
export interface MirrorJobContext {
  settings: MirrorJobSettings;
  gymFiles: ReadonlyMap<string, JobGymFiles>;
  replayBlob?: string;
  spendKey?: string;
}

/** Build the job for one pending candidate. */
export function mirrorJobFor(candidate: StoredCandidate, gym: PreparedGym, context: MirrorJobContext): MirrorJobData {
  const { replayPath: _replayPath, model, ...settings } = context.settings;
  return {
    schemaVersion: MIRROR_JOB_SCHEMA_VERSION,
    kind: 'mirror',
    instanceId: instanceIdFor(candidate.gym, candidate.source),
    candidateId: candidate.id,
    gym: { name: gym.spec.name, specHash: gym.specHash, commit: gym.commit, files: context.gymFiles.get(gym.spec.name) as JobGymFiles },
    source: candidate.source,
    ...settings,
    model: { ...model, ...(context.replayBlob ? { replayBlob: context.replayBlob } : {}) },
    ...(context.spendKey ? { spendKey: context.spendKey } : {}),
  };
}

function isPendingMirror(store: Store, candidateId: number): boolean {
  const row = store.database.prepare('SELECT stage FROM candidates WHERE id = ?').get(candidateId) as { stage: string } | undefined;
  return row?.stage === 'pending-mirror';
}

/**
 * Write a job's result into the store in one transaction: the outcome and its model calls, or for a job a spend
 * cap stopped, its paid calls and its checkpoint (the candidate stays pending). False when it was already written.
 */
export function writeMirrorResult(store: Store, candidateId: number, result: MirrorJobResult): boolean {
  let saved = false;
  store.database.transaction(() => {
    if (result.save) saved = store.saveMirrorOutcome(candidateId, result.save);
    else if ((saved = isPendingMirror(store, candidateId)) && result.stopped?.resume) store.saveInterruptedAttempt(candidateId, result.stopped.resume);
    if (!saved) return;
    for (const call of result.modelCalls) store.recordModelCall({ ...call, candidateId });
  })();
  return saved;
}

/** Each gym's spec and source, and the replay recording, in Redis by content hash (each once). */
async function publishJobFiles(redis: Redis, prefix: string, gyms: Iterable<PreparedGym>, replayPath: string | undefined): Promise<Pick<MirrorJobContext, 'gymFiles' | 'replayBlob'>> {
  const gymFiles = new Map<string, JobGymFiles>();
  for (const gym of gyms) gymFiles.set(gym.spec.name, await publishGym(redis, prefix, gym.loaded));
  return { gymFiles, ...(replayPath ? { replayBlob: await putBlob(redis, prefix, replayPath) } : {}) };
}

/**
 * The mirror stage of a coordinator: every pending candidate becomes a job on the queue (id from
 * its content, so a rerun finds the jobs of the run before), at most `maxInFlight` at a time, and
 * each result is written from the job's return value, read back by polling the jobs themselves:
 * never counted from the event stream, which can miss events. A failed job stays in the queue's
 * failed set (the dead letters `status --queue` shows) and its candidate stays pending.
 */
export async function queueMirrorStage(input: QueueMirrorStageInput): Promise<{ verified: number; leftPending: number }> {
  const { store, reporter } = input;
  const pending = pendingMirrorCandidates(store, input.gyms, input.maxCandidatesPerGym);
  reporter.onEvent({ type: 'stage-start', stage: 'mirror', total: pending.length });
  const redis = openCoordinatorRedis(input.location, (message) => reporter.onEvent({ type: 'notice', message }));
  const queue = new Queue<MirrorJobData, MirrorJobResult>(MIRROR_QUEUE_NAME, { connection: redis, prefix: input.location.prefix });
  const maxInFlight = Math.max(1, input.maxInFlight ?? 64);
  const attempts = input.attempts ?? 3;
  const inFlight = new Map<string, InFlight>();
  let verified = 0;
  let leftPending = 0;
  let next = 0;
  const { budget } = input;
  const usedGyms = [...new Set(pending.map((candidate) => candidate.gym))];
  let jobContext: MirrorJobContext = { settings: input.settings, gymFiles: new Map() };
  let shared: SharedSpend | undefined;

  const submit = async (entry: InFlight): Promise<void> => {
    const existing = await Job.fromId<MirrorJobData, MirrorJobResult>(queue, entry.id);
    if (existing) {
      // A dead letter of an earlier run is tried again, as a pending candidate is by a local rerun.
      if ((await existing.getState()) === 'failed') await existing.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      return;
    }
    await queue.add('mirror', entry.data, {
      jobId: entry.id,
      attempts,
      backoff: { type: 'exponential', delay: input.backoffMs ?? 10_000 },
      // Written results are removed by the coordinator; this only bounds what a coordinator that never came back leaves.
      removeOnComplete: { age: 7 * DAY_SECONDS },
      removeOnFail: false,
    });
  };

  // The queue's counts for the live view, sent when they change (never to decide anything: the jobs are read one by one).
  let lastCounts = '';
  const reportCounts = async (): Promise<void> => {
    const read = (await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed')) as Record<string, number>;
    const counts = { waiting: (read.waiting ?? 0) + (read.prioritized ?? 0), active: read.active ?? 0, delayed: read.delayed ?? 0, completed: read.completed ?? 0, failed: read.failed ?? 0 };
    const text = JSON.stringify(counts);
    if (text === lastCounts) return;
    lastCounts = text;
    reporter.onEvent({ type: 'queue-counts', queue: `${input.location.prefix}:${MIRROR_QUEUE_NAME}`, counts });
  };

  /** Read one job back; true when it is finished (written, or left pending as a dead letter). */
  const settle = async (entry: InFlight): Promise<boolean> => {
    // The state first, then the job: read the other way round, a job that completes in between is
    // seen `completed` with the return value of its snapshot from before, which is empty.
    const state = await queue.getJobState(entry.id);
    const job = state === 'unknown' ? undefined : await Job.fromId<MirrorJobData, MirrorJobResult>(queue, entry.id);
    if (!job) {
      // Gone without its result reaching the store (a Redis that restarted empty, a removal by hand): enqueue it again.
      await submit(entry);
      return false;
    }
    if (state === 'completed') {
      const result = parseMirrorJobResult(job.returnvalue);
      if (!result) {
        leftPending += 1;
        reporter.onEvent({ type: 'item-done', stage: 'mirror', item: entry.item, outcome: 'failed', detail: `job ${entry.id} returned no readable result` });
        await job.remove().catch(() => undefined);
        return true;
      }
      writeMirrorResult(store, entry.candidate.id, result);
      if (result.save?.stage === 'verified') verified += 1;
      if (result.save) {
        const described = describeMirrorSave(result.save);
        reporter.onEvent({ type: 'item-done', stage: 'mirror', item: entry.item, outcome: described.outcome, detail: `${described.detail} (${result.worker})` });
      } else {
        // Stopped by a spend cap: pending, as a local run leaves a candidate the cap stopped mid-way.
        leftPending += 1;
        reporter.onEvent({ type: 'item-done', stage: 'mirror', item: entry.item, outcome: 'failed', detail: `${result.stopped?.stop.message ?? 'stopped by a budget'} (${result.worker})` });
      }
      for (const call of result.modelCalls) {
        reporter.onEvent({ type: 'model-usage', inputTokens: call.inputTokens, outputTokens: call.outputTokens, costUsd: call.costUsd, cached: call.cached });
      }
      // After the store holds it: a kill between the two leaves a job whose rerun finds the candidate written.
      await job.remove().catch(() => undefined);
      return true;
    }
    if (state === 'failed') {
      leftPending += 1;
      // Keep the checkpoint the worker wrote back, so the next run (local or queue) continues from it.
      const checkpoint = (job.data as MirrorJobData | undefined)?.resume;
      if (checkpoint && JSON.stringify(checkpoint) !== JSON.stringify(store.interruptedAttempt(entry.candidate.id))) store.saveInterruptedAttempt(entry.candidate.id, checkpoint);
      reporter.onEvent({ type: 'item-done', stage: 'mirror', item: entry.item, outcome: 'failed', detail: `dead letter ${entry.id}: ${job.failedReason ?? 'no reason'}` });
      return true;
    }
    return false;
  };

  try {
    const gymsInUse = usedGyms.map((name) => input.gyms.get(name) as PreparedGym);
    jobContext = { ...jobContext, ...(await publishJobFiles(redis, input.location.prefix, gymsInUse, input.settings.replayPath)) };
    if (budget) {
      // The store's spend so far, where every worker's budget check reads it; each paid call adds to it.
      shared = new SharedSpend(redis, sharedSpendKey(input.location.prefix, storeIdentity(store)));
      await shared.seed(readRecordedSpend(store));
      jobContext = { ...jobContext, spendKey: shared.key };
    }
    while (next < pending.length || inFlight.size > 0) {
      while (next < pending.length && inFlight.size < maxInFlight) {
        const candidate = pending[next] as StoredCandidate;
        next += 1;
        if (budget && shared) {
          budget.useSpend(await shared.read([candidate.gym]));
          // A spend cap reached: this candidate is not enqueued and stays pending, as a local run leaves it.
          if (!budget.canStart(candidate.gym)) {
            leftPending += 1;
            continue;
          }
        }
        // An attempt an earlier run left interrupted is continued, as a local rerun continues it.
        const resume = store.interruptedAttempt(candidate.id);
        const callsBefore = budget?.callsMadeBy(candidate.id) ?? 0;
        const data = { ...mirrorJobFor(candidate, input.gyms.get(candidate.gym) as PreparedGym, jobContext), ...(resume ? { resume } : {}), ...(callsBefore > 0 ? { callsBefore } : {}) };
        const entry: InFlight = { candidate, data, id: mirrorJobId(data), item: data.instanceId };
        await submit(entry);
        inFlight.set(entry.id, entry);
        reporter.onEvent({ type: 'item-start', stage: 'mirror', item: entry.item });
      }
      const finished = await Promise.all(
        [...inFlight.values()].map(async (entry) => {
          try {
            return (await settle(entry)) ? entry.id : undefined;
          } catch (error) {
            reporter.onEvent({ type: 'notice', message: `reading job ${entry.id} back: ${describeError(error)}` });
            return undefined;
          }
        }),
      );
      await reportCounts().catch(() => undefined);
      let settledCount = 0;
      for (const id of finished) {
        if (id === undefined) continue;
        inFlight.delete(id);
        settledCount += 1;
      }
      if (settledCount === 0) await new Promise((resolve) => setTimeout(resolve, input.pollIntervalMs ?? 250));
    }
    await reportCounts().catch(() => undefined);
    // Every worker's spend, for the stop the run records and for the stages after this one.
    if (budget && shared) budget.useSpend(await shared.read(usedGyms));
  } finally {
    await queue.close().catch(() => undefined);
    redis.disconnect();
  }
  reporter.onEvent({ type: 'stage-done', stage: 'mirror', summary: `${verified}/${pending.length} verified${leftPending > 0 ? `, ${leftPending} left pending` : ''}` });
  return { verified, leftPending };
}

import pLimit from 'p-limit';
import path from 'node:path';
import type { ChatModel } from '../core/model.js';
import { describeError } from '../core/errors.js';
import type { Runtime } from '../core/process.js';
import { RECORD_SCHEMA_VERSION, type Task } from '../core/records.js';
import { leaseWorkingCopy, type WorkingCopyLease } from '../gym/working-copies.js';
import type { PreparedGym } from '../gym/types.js';
import { mirrorCandidate } from '../mirror/mirror-candidate.js';
import type { MirrorOutcome } from '../mirror/types.js';
import type { StoredCandidate, Store } from '../store/store.js';
import { modelForCandidate } from './candidate-model.js';
import type { PipelineReporter } from './events.js';

/** SWE-bench-style instance id: `<gym>__<owner>__<repo>-<number>`. */
export function instanceIdFor(gym: string, source: { repo: string; number: number }): string {
  return `${gym}__${source.repo.replace(/[^A-Za-z0-9._-]+/g, '__')}-${source.number}`;
}

/** Build the accepted Task record from a verified outcome. */
export function taskFromOutcome(gym: PreparedGym, candidate: StoredCandidate, outcome: MirrorOutcome, model: string): Task | undefined {
  if (outcome.status !== 'verified' || !outcome.patches || !outcome.verdict) return undefined;
  return {
    schemaVersion: RECORD_SCHEMA_VERSION,
    instanceId: instanceIdFor(gym.spec.name, candidate.source),
    gym: gym.spec.name,
    language: gym.spec.language,
    repo: gym.loaded.isRemote ? gym.spec.repo : `swe-mirror/${gym.spec.name}`,
    baseCommit: gym.commit,
    mirrorPatch: outcome.patches.mirror,
    testPatch: outcome.patches.test,
    fixPatch: outcome.patches.fix,
    problemStatement: outcome.statement ?? '',
    FAIL_TO_PASS: outcome.verdict.FAIL_TO_PASS,
    PASS_TO_PASS: outcome.verdict.PASS_TO_PASS,
    tests: outcome.verdict.tests,
    source: {
      repo: candidate.source.repo,
      number: candidate.source.number,
      url: candidate.source.url,
      issues: candidate.source.issues.map((issue) => issue.number),
    },
    model,
    costUsd: outcome.attempt.totals.costUsd,
    createdAt: new Date().toISOString(),
    sandbox: outcome.verdict.sandbox,
  };
}

/** Which stage and rule a non-verified outcome is lost at. */
export function lossOf(outcome: MirrorOutcome): { stage: 'mirror-failed' | 'rejected-by-verifier'; rule: string; reason: string } {
  if (outcome.status === 'rejected' && outcome.verdict) {
    const rules = [...new Set(outcome.verdict.reasons.map((reason) => reason.rule))];
    return { stage: 'rejected-by-verifier', rule: rules.join('+') || 'rejected', reason: outcome.verdict.reasons.map((reason) => reason.message).join('; ') };
  }
  return { stage: 'mirror-failed', rule: outcome.failure?.step ?? 'unknown', reason: outcome.failure?.reason ?? 'no reason recorded' };
}

/** Candidates waiting to be mirrored into a prepared gym, in collection order, at most `maxPerGym` per gym. */
export function pendingMirrorCandidates(store: Store, gyms: ReadonlyMap<string, unknown>, maxPerGym?: number): ReturnType<Store['candidatesAt']> {
  const perGym = new Map<string, number>();
  return store.candidatesAt('pending-mirror').filter((candidate) => {
    if (!gyms.has(candidate.gym)) return false;
    const count = (perGym.get(candidate.gym) ?? 0) + 1;
    perGym.set(candidate.gym, count);
    return maxPerGym === undefined || count <= maxPerGym;
  });
}

/**
 * Mirror every candidate waiting for it. Each in-flight candidate works on its own working copy
 * of its gym; model calls and test runs are bounded separately by the model and runtime given.
 * Each outcome is stored in one transaction as soon as it is known, so a kill loses at most the
 * candidates in flight, whose model answers are in the response cache. A candidate that ends on an
 * infrastructure error stays pending; their count is returned so the caller can say so.
 */
export async function mirrorStage(input: {
  gyms: ReadonlyMap<string, PreparedGym>;
  store: Store;
  model: ChatModel;
  runtime: Runtime;
  concurrency: number;
  retriesPerStep: number;
  samples: number;
  verify: { strict: boolean; repeats: { run: number; test: number; fix: number }; reruns?: number; unsafeNoSandbox?: boolean };
  maxCandidatesPerGym?: number;
  logDirectory: string;
  reporter: PipelineReporter;
}): Promise<{ verified: number; leftPending: number }> {
  const { store, reporter } = input;
  const pending = pendingMirrorCandidates(store, input.gyms, input.maxCandidatesPerGym);
  reporter.onEvent({ type: 'stage-start', stage: 'mirror', total: pending.length });
  const limit = pLimit(input.concurrency);
  let verified = 0;
  let leftPending = 0;
  await Promise.all(
    pending.map((candidate) =>
      limit(async () => {
        const item = instanceIdFor(candidate.gym, candidate.source);
        reporter.onEvent({ type: 'item-start', stage: 'mirror', item });
        const gym = input.gyms.get(candidate.gym) as PreparedGym;
        let lease: WorkingCopyLease | undefined;
        try {
          // One candidate per working copy at a time, leased across processes too.
          lease = await leaseWorkingCopy(gym);
          const workdir = lease.workdir;
          const model = modelForCandidate(input.model, store, reporter, candidate.id);
          const outcome = await mirrorCandidate({
            gym,
            source: candidate.source,
            model,
            runtime: input.runtime,
            workdir,
            budget: { retriesPerStep: input.retriesPerStep, samples: input.samples },
            logDirectory: path.join(input.logDirectory, item),
            verifyOptions: input.verify,
          });
          const task = taskFromOutcome(gym, candidate, outcome, input.model.id);
          if (task) {
            store.saveMirrorOutcome(candidate.id, { stage: 'verified', attempt: outcome.attempt, costUsd: task.costUsd, task });
            verified += 1;
            reporter.onEvent({ type: 'item-done', stage: 'mirror', item, outcome: 'ok', detail: `F2P ${task.FAIL_TO_PASS.length}, P2P ${task.PASS_TO_PASS.length}` });
          } else {
            const loss = lossOf(outcome);
            store.saveMirrorOutcome(candidate.id, {
              stage: loss.stage,
              lossRule: loss.rule,
              lossReason: loss.reason,
              attempt: outcome.attempt,
              costUsd: outcome.attempt.totals.costUsd,
            });
            reporter.onEvent({ type: 'item-done', stage: 'mirror', item, outcome: 'lost', detail: `${loss.stage}/${loss.rule}: ${loss.reason.slice(0, 160)}` });
          }
        } catch (error) {
          // Infrastructure trouble (model unreachable, disk): left pending for the next run.
          leftPending += 1;
          reporter.onEvent({ type: 'item-done', stage: 'mirror', item, outcome: 'failed', detail: describeError(error) });
        } finally {
          await lease?.release().catch(() => undefined);
        }
      }),
    ),
  );
  reporter.onEvent({ type: 'stage-done', stage: 'mirror', summary: `${verified}/${pending.length} verified${leftPending > 0 ? `, ${leftPending} left pending` : ''}` });
  return { verified, leftPending };
}

import path from 'node:path';
import type { BudgetGuard } from '../budget/budget-guard.js';
import { forEachWithinBudget } from '../budget/budgeted-items.js';
import type { ChatModel } from '../core/model.js';
import type { Runtime } from '../core/process.js';
import { RECORD_SCHEMA_VERSION, type Task } from '../core/records.js';
import { leaseWorkingCopy, type WorkingCopyLease } from '../gym/working-copies.js';
import type { PreparedGym } from '../gym/types.js';
import { mirrorCandidate } from '../mirror/mirror-candidate.js';
import type { AttemptLog, MirrorInput, MirrorOutcome } from '../mirror/types.js';
import type { StoredCandidate, Store } from '../store/store.js';
import { modelForCandidate } from './candidate-model.js';
import type { PipelineReporter } from './events.js';

/**
 * SWE-bench-style instance id: `<gym>__<owner>__<repo>-<number>`; a candidate's further tasks (its
 * variant 1, 2, ... under `mirror.samples` > 1) add `-v2`, `-v3`, ..., so ids are stable across reruns.
 */
export function instanceIdFor(gym: string, source: { repo: string; number: number }, variant = 0): string {
  return `${gym}__${source.repo.replace(/[^A-Za-z0-9._-]+/g, '__')}-${source.number}${variant > 0 ? `-v${variant + 1}` : ''}`;
}

/** Build the accepted Task records of an outcome: one per verified variant, in variant order; the cost is shared evenly. */
export function tasksFromOutcome(gym: PreparedGym, candidate: StoredCandidate, outcome: MirrorOutcome, model: string): Task[] {
  if (outcome.status !== 'verified') return [];
  const variants = outcome.variants ?? (outcome.patches && outcome.verdict ? [{ index: 0, status: outcome.status, patches: outcome.patches, verdict: outcome.verdict, ...(outcome.statement === undefined ? {} : { statement: outcome.statement }) }] : []);
  const verified = variants.filter((variant) => variant.status === 'verified' && variant.verdict);
  const createdAt = new Date().toISOString();
  return verified.map((variant) => {
    const verdict = variant.verdict as NonNullable<typeof variant.verdict>;
    return {
      schemaVersion: RECORD_SCHEMA_VERSION,
      instanceId: instanceIdFor(gym.spec.name, candidate.source, variant.index),
      gym: gym.spec.name,
      language: gym.spec.language,
      repo: gym.loaded.isRemote ? gym.spec.repo : `swe-mirror/${gym.spec.name}`,
      baseCommit: gym.commit,
      mirrorPatch: variant.patches.mirror,
      testPatch: variant.patches.test,
      fixPatch: variant.patches.fix,
      problemStatement: variant.statement ?? '',
      FAIL_TO_PASS: verdict.FAIL_TO_PASS,
      PASS_TO_PASS: verdict.PASS_TO_PASS,
      tests: verdict.tests,
      source: {
        repo: candidate.source.repo,
        number: candidate.source.number,
        url: candidate.source.url,
        issues: candidate.source.issues.map((issue) => issue.number),
      },
      model,
      costUsd: outcome.attempt.totals.costUsd / verified.length,
      createdAt,
      sandbox: verdict.sandbox,
      ...(variant.index > 0 ? { variant: variant.index } : {}),
    };
  });
}

/** The first accepted Task of a verified outcome (see `tasksFromOutcome` for all of them). */
export function taskFromOutcome(gym: PreparedGym, candidate: StoredCandidate, outcome: MirrorOutcome, model: string): Task | undefined {
  return tasksFromOutcome(gym, candidate, outcome, model)[0];
}

/** Which stage and rule a non-verified outcome is lost at. */
export function lossOf(outcome: MirrorOutcome): { stage: 'mirror-failed' | 'rejected-by-verifier'; rule: string; reason: string } {
  if (outcome.status === 'rejected' && outcome.verdict) {
    const rules = [...new Set(outcome.verdict.reasons.map((reason) => reason.rule))];
    return { stage: 'rejected-by-verifier', rule: rules.join('+') || 'rejected', reason: outcome.verdict.reasons.map((reason) => reason.message).join('; ') };
  }
  return { stage: 'mirror-failed', rule: outcome.failure?.step ?? 'unknown', reason: outcome.failure?.reason ?? 'no reason recorded' };
}

/** What the store saves for one mirrored candidate (`saveMirrorOutcome`'s argument). */
export type MirrorSave = Parameters<Store['saveMirrorOutcome']>[1];

/**
 * The store's record of one outcome: the task when verified, else the stage and rule it was lost at.
 * The local mirror stage and queue workers both build it here, so a job's return value is exactly
 * what a local run would have written.
 */
export function planMirrorSave(gym: PreparedGym, candidate: StoredCandidate, outcome: MirrorOutcome, model: string): MirrorSave {
  const tasks = tasksFromOutcome(gym, candidate, outcome, model);
  const [task] = tasks;
  if (task) return { stage: 'verified', attempt: outcome.attempt, costUsd: outcome.attempt.totals.costUsd, task, ...(tasks.length > 1 ? { tasks } : {}) };
  const loss = lossOf(outcome);
  return { stage: loss.stage, lossRule: loss.rule, lossReason: loss.reason, attempt: outcome.attempt, costUsd: outcome.attempt.totals.costUsd };
}

/** The progress line of a saved outcome. */
export function describeMirrorSave(save: MirrorSave): { outcome: 'ok' | 'lost'; detail: string } {
  if (save.stage === 'verified' && save.task) {
    const tasks = save.tasks ?? [save.task];
    const detail = tasks.map((task) => `F2P ${task.FAIL_TO_PASS.length}, P2P ${task.PASS_TO_PASS.length}`).join('; ');
    return { outcome: 'ok', detail: tasks.length > 1 ? `${tasks.length} tasks: ${detail}` : detail };
  }
  return { outcome: 'lost', detail: `${save.stage}/${save.lossRule ?? ''}: ${(save.lossReason ?? '').slice(0, 160)}` };
}

/** The earlier interrupted attempt of a candidate to continue, and where to keep this one's if it is interrupted too. */
export function resumeOptions(store: Store, candidateId: number): Pick<MirrorInput, 'resume' | 'onInterrupted'> {
  const previous = store.interruptedAttempt(candidateId) as AttemptLog | undefined;
  return { ...(previous ? { resume: previous } : {}), onInterrupted: (attempt) => store.saveInterruptedAttempt(candidateId, attempt) };
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
  temperature?: number;
  verify: { strict: boolean; repeats: { run: number; test: number; fix: number }; reruns?: number; unsafeNoSandbox?: boolean };
  maxCandidatesPerGym?: number;
  logDirectory: string;
  reporter: PipelineReporter;
  /** Budgets (limits:): no candidate starts once its gym's or the run's cap is reached (it stays pending); a candidate cap is its loss rule. */
  budget?: BudgetGuard;
}): Promise<{ verified: number; leftPending: number }> {
  const { store, reporter } = input;
  const pending = pendingMirrorCandidates(store, input.gyms, input.maxCandidatesPerGym);
  reporter.onEvent({ type: 'stage-start', stage: 'mirror', total: pending.length });
  let verified = 0;
  const { leftPending } = await forEachWithinBudget({
    stage: 'mirror',
    items: pending,
    concurrency: input.concurrency,
    reporter,
    budget: input.budget,
    gymOf: (candidate) => candidate.gym,
    nameOf: (candidate) => instanceIdFor(candidate.gym, candidate.source),
    // A thrown error (model unreachable, disk) leaves the candidate pending for the next run.
    work: async (candidate, item) => {
      const gym = input.gyms.get(candidate.gym) as PreparedGym;
      let lease: WorkingCopyLease | undefined;
      try {
        // One candidate per working copy at a time, leased across processes too.
        lease = await leaseWorkingCopy(gym);
        const model = modelForCandidate(input.model, store, reporter, candidate.id, input.budget ? { guard: input.budget, gym: candidate.gym } : undefined);
        const outcome = await mirrorCandidate({
          gym,
          source: candidate.source,
          model,
          runtime: input.runtime,
          workdir: lease.workdir,
          budget: { retriesPerStep: input.retriesPerStep, samples: input.samples, ...(input.temperature === undefined ? {} : { temperature: input.temperature }) },
          logDirectory: path.join(input.logDirectory, item),
          verifyOptions: input.verify,
          // Continue an attempt that infrastructure trouble stopped in an earlier run; keep this one's if it stops too.
          ...resumeOptions(store, candidate.id),
        });
        const save = planMirrorSave(gym, candidate, outcome, input.model.id);
        const budgetHit = input.budget?.hitOf(candidate.id);
        if (budgetHit && save.stage !== 'verified') save.lossRule = budgetHit.rule;
        store.saveMirrorOutcome(candidate.id, save);
        if (save.stage === 'verified') verified += 1;
        return describeMirrorSave(save);
      } finally {
        await lease?.release().catch(() => undefined);
      }
    },
  });
  reporter.onEvent({ type: 'stage-done', stage: 'mirror', summary: `${verified}/${pending.length} verified${leftPending > 0 ? `, ${leftPending} left pending` : ''}` });
  return { verified, leftPending };
}

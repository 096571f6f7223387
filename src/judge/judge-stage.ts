import type { BudgetGuard } from '../budget/budget-guard.js';
import { forEachWithinBudget } from '../budget/budgeted-items.js';
import type { ChatModel } from '../core/model.js';
import { modelForCandidate } from '../pipeline/candidate-model.js';
import type { PipelineReporter } from '../pipeline/events.js';
import type { Store } from '../store/store.js';
import { judgeTask } from './judge-task.js';
import { listTasksToJudge, saveJudgement } from './judgement-store.js';

/**
 * Grade every verified, non-duplicate task not graded yet against its source PR and issue; each grade is stored
 * as it comes (resumable). A failed call (endpoint down, budget reached) leaves the task for the next run.
 */
export async function judgeStage(input: { store: Store; model: ChatModel; concurrency: number; reporter: PipelineReporter; budget?: BudgetGuard }): Promise<{ judged: number; leftPending: number }> {
  const { store, reporter } = input;
  const pending = listTasksToJudge(store);
  reporter.onEvent({ type: 'stage-start', stage: 'judge', total: pending.length });
  let judged = 0;
  const { leftPending } = await forEachWithinBudget({
    stage: 'judge',
    items: pending,
    concurrency: input.concurrency,
    reporter,
    budget: input.budget,
    gymOf: (entry) => entry.gym,
    nameOf: (entry) => entry.task.instanceId,
    work: async (entry, item) => {
      const model = modelForCandidate(input.model, store, reporter, entry.candidateId, input.budget ? { guard: input.budget, gym: entry.gym } : undefined);
      const judgement = await judgeTask(model, entry.task, entry.source);
      const isGrade = judgement.kind === 'grade';
      saveJudgement(store, {
        instanceId: item,
        consistency: isGrade ? judgement.consistency : 'unreadable',
        reason: isGrade ? judgement.reason : judgement.problem,
        model: judgement.model,
        promptVersion: judgement.promptVersion,
        costUsd: judgement.costUsd,
      });
      judged += 1;
      return { outcome: isGrade && judgement.consistency !== 'inconsistent' ? 'ok' : 'lost', detail: isGrade ? `${judgement.consistency}: ${judgement.reason.slice(0, 120)}` : judgement.problem };
    },
  });
  reporter.onEvent({ type: 'stage-done', stage: 'judge', summary: `${judged}/${pending.length} judged${leftPending > 0 ? `, ${leftPending} left pending` : ''}` });
  return { judged, leftPending };
}

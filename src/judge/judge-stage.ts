import pLimit from 'p-limit';
import type { BudgetGuard } from '../budget/budget-guard.js';
import { describeError } from '../core/errors.js';
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
  const limit = pLimit(input.concurrency);
  let judged = 0;
  let leftPending = 0;
  await Promise.all(
    pending.map((entry) =>
      limit(async () => {
        if (input.budget && !input.budget.canStart(entry.gym)) {
          leftPending += 1;
          return;
        }
        const item = entry.task.instanceId;
        reporter.onEvent({ type: 'item-start', stage: 'judge', item });
        try {
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
          reporter.onEvent({ type: 'item-done', stage: 'judge', item, outcome: isGrade && judgement.consistency !== 'inconsistent' ? 'ok' : 'lost', detail: isGrade ? `${judgement.consistency}: ${judgement.reason.slice(0, 120)}` : judgement.problem });
        } catch (error) {
          leftPending += 1;
          reporter.onEvent({ type: 'item-done', stage: 'judge', item, outcome: 'failed', detail: describeError(error) });
        }
      }),
    ),
  );
  reporter.onEvent({ type: 'stage-done', stage: 'judge', summary: `${judged}/${pending.length} judged${leftPending > 0 ? `, ${leftPending} left pending` : ''}` });
  return { judged, leftPending };
}

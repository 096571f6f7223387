import { withBudget, type BudgetGuard } from '../budget/budget-guard.js';
import type { ChatModel } from '../core/model.js';
import { withCallObserver, type ModelCallRecord } from '../llm/call-observer.js';
import type { ModelCallRow, Store } from '../store/store.js';
import type { PipelineReporter } from './events.js';

/** One observed model call as a `model_calls` row, before it is tied to a candidate (the local run and queue jobs both use this). */
export function modelCallRowOf(record: ModelCallRecord): Omit<ModelCallRow, 'candidateId'> {
  return {
    step: record.step ?? 'unknown',
    model: record.model,
    requestHash: record.requestHash,
    inputTokens: record.inputTokens,
    outputTokens: record.outputTokens,
    costUsd: record.costUsd,
    latencyMs: record.latencyMs,
    cached: record.cached,
  };
}

/** The shared model, with every call recorded in the store against one candidate and reported; checked against the budget first when one is given. */
export function modelForCandidate(model: ChatModel, store: Store, reporter: PipelineReporter, candidateId: number | null, budget?: { guard: BudgetGuard; gym: string }): ChatModel {
  const budgeted = budget ? withBudget(model, budget.guard, { gym: budget.gym, candidateId }) : model;
  return withCallObserver(budgeted, (record) => {
    store.recordModelCall({ candidateId, ...modelCallRowOf(record) });
    reporter.onEvent({ type: 'model-usage', inputTokens: record.inputTokens, outputTokens: record.outputTokens, costUsd: record.costUsd, cached: record.cached });
  });
}

import pLimit from 'p-limit';
import { describeError } from '../core/errors.js';
import type { PipelineReporter, PipelineStage } from '../pipeline/events.js';
import type { BudgetGuard } from './budget-guard.js';

/** How one item of a stage ended, for its progress line. */
export interface ItemResult {
  outcome: 'ok' | 'lost';
  detail?: string;
}

/**
 * The loop the model-bound stages (filter, mirror, judge) share: each item under a concurrency limit; an item
 * whose gym's or the run's cap is reached (`limits:`) does not start; an item whose work throws (the model
 * endpoint down, a disk full, a cap reached mid-item) is reported as failed. Both stay pending for the next run,
 * and their count is returned. What an item's work stores is its own business (`work`).
 */
export async function forEachWithinBudget<T>(input: {
  stage: PipelineStage;
  items: readonly T[];
  concurrency: number;
  reporter: PipelineReporter;
  budget?: BudgetGuard | undefined;
  gymOf: (item: T) => string;
  nameOf: (item: T) => string;
  work: (item: T, name: string) => Promise<ItemResult>;
}): Promise<{ leftPending: number }> {
  const { stage, reporter } = input;
  const limit = pLimit(input.concurrency);
  let leftPending = 0;
  await Promise.all(
    input.items.map((entry) =>
      limit(async () => {
        if (input.budget && !input.budget.canStart(input.gymOf(entry))) {
          leftPending += 1;
          return;
        }
        const item = input.nameOf(entry);
        reporter.onEvent({ type: 'item-start', stage, item });
        try {
          const result = await input.work(entry, item);
          reporter.onEvent({ type: 'item-done', stage, item, outcome: result.outcome, ...(result.detail === undefined ? {} : { detail: result.detail }) });
        } catch (error) {
          leftPending += 1;
          reporter.onEvent({ type: 'item-done', stage, item, outcome: 'failed', detail: describeError(error) });
        }
      }),
    ),
  );
  return { leftPending };
}

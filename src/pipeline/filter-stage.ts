import pLimit from 'p-limit';
import type { BudgetGuard } from '../budget/budget-guard.js';
import type { ChatModel } from '../core/model.js';
import { describeError } from '../core/errors.js';
import type { PreparedGym } from '../gym/types.js';
import { readGymContext, type GymContext } from '../sources/gym-context.js';
import { judgeMirrorability } from '../sources/llm-filter.js';
import type { Store } from '../store/store.js';
import { modelForCandidate } from './candidate-model.js';
import type { PipelineReporter } from './events.js';
import { instanceIdFor } from './mirror-stage.js';

/** Run the LLM mirrorability filter over every candidate waiting for it; each verdict is stored as it comes. */
export async function filterStage(input: {
  gyms: ReadonlyMap<string, PreparedGym>;
  store: Store;
  model: ChatModel;
  concurrency: number;
  reporter: PipelineReporter;
  /** Spend caps (limits:); candidates of a gym at its cap, or all once the run's cap is reached, stay pending. */
  budget?: BudgetGuard;
}): Promise<{ kept: number; leftPending: number }> {
  const { store, reporter } = input;
  const pending = store.candidatesAt('pending-llm-filter').filter((candidate) => input.gyms.has(candidate.gym));
  reporter.onEvent({ type: 'stage-start', stage: 'filter', total: pending.length });
  const contexts = new Map<string, Promise<GymContext>>();
  const contextOf = (gym: PreparedGym) => {
    const cached = contexts.get(gym.spec.name) ?? readGymContext(gym.loaded);
    contexts.set(gym.spec.name, cached);
    return cached;
  };
  const limit = pLimit(input.concurrency);
  let kept = 0;
  let leftPending = 0;
  await Promise.all(
    pending.map((candidate) =>
      limit(async () => {
        if (input.budget && !input.budget.canStart(candidate.gym)) {
          leftPending += 1;
          return;
        }
        // The instance id the mirror stage will use too, so one candidate has one name in every event.
        const item = instanceIdFor(candidate.gym, candidate.source);
        reporter.onEvent({ type: 'item-start', stage: 'filter', item });
        const gym = input.gyms.get(candidate.gym) as PreparedGym;
        try {
          const model = modelForCandidate(input.model, store, reporter, candidate.id, input.budget ? { guard: input.budget, gym: candidate.gym } : undefined);
          const verdict = await judgeMirrorability(model, candidate.source, await contextOf(gym));
          store.saveLlmVerdict(candidate.id, { ...verdict, ...(verdict.kept ? {} : { rule: verdict.error ? 'unparseable-answer' : 'not-mirrorable' }) });
          if (verdict.kept) kept += 1;
          reporter.onEvent({ type: 'item-done', stage: 'filter', item, outcome: verdict.kept ? 'ok' : 'lost', detail: verdict.reason.slice(0, 120) });
        } catch (error) {
          // Left pending: an infrastructure failure (model down) is retried by the next run.
          leftPending += 1;
          reporter.onEvent({ type: 'item-done', stage: 'filter', item, outcome: 'failed', detail: describeError(error) });
        }
      }),
    ),
  );
  reporter.onEvent({ type: 'stage-done', stage: 'filter', summary: `${kept}/${pending.length} judged mirrorable${leftPending > 0 ? `, ${leftPending} left pending` : ''}` });
  return { kept, leftPending };
}

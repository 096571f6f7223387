import type { BudgetGuard } from '../budget/budget-guard.js';
import { forEachWithinBudget } from '../budget/budgeted-items.js';
import type { ChatModel } from '../core/model.js';
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
  let kept = 0;
  const { leftPending } = await forEachWithinBudget({
    stage: 'filter',
    items: pending,
    concurrency: input.concurrency,
    reporter,
    budget: input.budget,
    gymOf: (candidate) => candidate.gym,
    // The instance id the mirror stage will use too, so one candidate has one name in every event.
    nameOf: (candidate) => instanceIdFor(candidate.gym, candidate.source),
    // A thrown error (model down) leaves the candidate pending: the next run retries it.
    work: async (candidate) => {
      const gym = input.gyms.get(candidate.gym) as PreparedGym;
      const model = modelForCandidate(input.model, store, reporter, candidate.id, input.budget ? { guard: input.budget, gym: candidate.gym } : undefined);
      const verdict = await judgeMirrorability(model, candidate.source, await contextOf(gym));
      store.saveLlmVerdict(candidate.id, { ...verdict, ...(verdict.kept ? {} : { rule: verdict.error ? 'unparseable-answer' : 'not-mirrorable' }) });
      if (verdict.kept) kept += 1;
      return { outcome: verdict.kept ? 'ok' : 'lost', detail: verdict.reason.slice(0, 120) };
    },
  });
  reporter.onEvent({ type: 'stage-done', stage: 'filter', summary: `${kept}/${pending.length} judged mirrorable${leftPending > 0 ? `, ${leftPending} left pending` : ''}` });
  return { kept, leftPending };
}

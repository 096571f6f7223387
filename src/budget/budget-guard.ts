import { SweMirrorError } from '../core/errors.js';
import type { ChatModel } from '../core/model.js';
import { gymCostLimit, stepTokenLimit, type Limits } from './budget-config.js';

/** Whose call it is: the gym (for per-gym caps) and the candidate (for per-candidate caps); null for collection-level calls. */
export interface BudgetScope {
  gym: string;
  candidateId: number | null;
}

/** A run-level cap that was reached: the run stops cleanly and says so in `status`. */
export interface BudgetStop {
  limit: 'maxCostUsd' | 'maxCostUsdPerGym';
  gym?: string;
  limitUsd: number;
  spentUsd: number;
  message: string;
  at: string;
}

/** A candidate-level cap that ended one candidate: recorded as its loss rule. */
export interface BudgetHit {
  rule: 'budget-calls' | 'budget-tokens';
  step: string;
  reason: string;
}

/** Codes of the errors the guard throws: a run-level stop leaves work pending, a candidate cap ends the candidate's step. */
export const BUDGET_REACHED = 'BUDGET_REACHED';
export const BUDGET_CANDIDATE_CAP = 'BUDGET_CANDIDATE_CAP';

function usd(value: number): string {
  return `$${value.toFixed(4)}`;
}

/**
 * Enforces `limits:` before every model call. Spend is what earlier runs into the same store spent (cached
 * answers cost nothing, so a resumed run does not count a call twice) plus this run's calls; calls and tokens
 * are counted per candidate within this run. Calls already in flight when a cap is reached still finish, so
 * spend can pass a cap by at most the calls in flight (bounded by `concurrency.model`).
 */
export class BudgetGuard {
  private totalUsd: number;
  private readonly byGymUsd: Map<string, number>;
  private readonly callsByCandidate = new Map<number, number>();
  private readonly tokensByStep = new Map<string, number>();
  private readonly hits = new Map<number, BudgetHit>();
  private stopped: BudgetStop | undefined;
  private readonly stoppedGyms = new Map<string, BudgetStop>();

  constructor(
    readonly limits: Limits,
    spentBefore: { totalUsd: number; byGymUsd: ReadonlyMap<string, number> } = { totalUsd: 0, byGymUsd: new Map() },
  ) {
    this.totalUsd = spentBefore.totalUsd;
    this.byGymUsd = new Map(spentBefore.byGymUsd);
  }

  /** Spend so far (earlier runs included). */
  spentUsd(gym?: string): number {
    return gym === undefined ? this.totalUsd : (this.byGymUsd.get(gym) ?? 0);
  }

  /**
   * Take spend counted elsewhere as this guard's (a queue run's shared spend in Redis, which holds every
   * worker's calls): the total, and each gym given. The caps are then checked against it as usual.
   */
  useSpend(spend: { totalUsd: number; byGymUsd: ReadonlyMap<string, number> }): void {
    this.totalUsd = spend.totalUsd;
    for (const [gym, usd] of spend.byGymUsd) this.byGymUsd.set(gym, usd);
    this.checkRunCap();
    for (const gym of spend.byGymUsd.keys()) this.checkGymCap(gym);
  }

  /** The run-level cap that stopped the run, if one was reached. */
  get stop(): BudgetStop | undefined {
    return this.stopped ?? this.stoppedGyms.values().next().value;
  }

  /** Every gym whose cap is reached. */
  stoppedGymNames(): string[] {
    return [...this.stoppedGyms.keys()];
  }

  /** Whether new work may start for a gym: no run-level or gym cap reached yet. */
  canStart(gym: string): boolean {
    this.checkCaps(gym);
    return this.stopped === undefined && !this.stoppedGyms.has(gym);
  }

  /** Model calls a candidate made in this run so far (what `maxCallsPerCandidate` counts). */
  callsMadeBy(candidateId: number): number {
    return this.callsByCandidate.get(candidateId) ?? 0;
  }

  /** Count calls a candidate made in this run under another guard (a queue job's filter call, made by the coordinator). */
  countEarlierCalls(candidateId: number, calls: number): void {
    this.callsByCandidate.set(candidateId, this.callsMadeBy(candidateId) + calls);
  }

  /** The candidate-level cap a candidate ran into this run, if any. */
  hitOf(candidateId: number): BudgetHit | undefined {
    return this.hits.get(candidateId);
  }

  /** Throws when a cap forbids this call: BUDGET_REACHED (run or gym; leaves the work pending) or BUDGET_CANDIDATE_CAP (a model-kind error that ends the step). */
  beforeCall(scope: BudgetScope, step: string): void {
    this.checkCaps(scope.gym);
    const stop = this.stopped ?? this.stoppedGyms.get(scope.gym);
    if (stop) throw new SweMirrorError({ code: BUDGET_REACHED, kind: 'user', message: stop.message, hint: 'Raise the limit in `limits:` of the config and run again: the run continues where it stopped.', details: { ...stop } });
    if (scope.candidateId === null) return;
    const calls = this.callsByCandidate.get(scope.candidateId) ?? 0;
    const maxCalls = this.limits.maxCallsPerCandidate;
    if (maxCalls !== undefined && calls >= maxCalls) {
      this.refuse(scope.candidateId, { rule: 'budget-calls', step, reason: `the candidate reached limits.maxCallsPerCandidate (${maxCalls} model calls)` });
    }
    const maxTokens = stepTokenLimit(this.limits, step);
    const used = this.tokensByStep.get(`${scope.candidateId}\u0000${step}`) ?? 0;
    if (maxTokens !== undefined && used >= maxTokens) {
      this.refuse(scope.candidateId, { rule: 'budget-tokens', step, reason: `step ${step} reached its token budget (limits.maxTokensPerStep: ${maxTokens}; used ${used})` });
    }
    this.callsByCandidate.set(scope.candidateId, calls + 1);
  }

  /** Count a finished call's spend and tokens. */
  afterCall(scope: BudgetScope, step: string, usage: { inputTokens: number; outputTokens: number; costUsd: number }): void {
    this.totalUsd += usage.costUsd;
    this.byGymUsd.set(scope.gym, (this.byGymUsd.get(scope.gym) ?? 0) + usage.costUsd);
    if (scope.candidateId !== null) {
      const key = `${scope.candidateId}\u0000${step}`;
      this.tokensByStep.set(key, (this.tokensByStep.get(key) ?? 0) + usage.inputTokens + usage.outputTokens);
    }
    this.checkCaps(scope.gym);
  }

  private refuse(candidateId: number, hit: BudgetHit): never {
    this.hits.set(candidateId, hit);
    throw new SweMirrorError({ code: BUDGET_CANDIDATE_CAP, kind: 'model', message: `Budget: ${hit.reason}.`, details: { ...hit } });
  }

  private checkCaps(gym: string): void {
    this.checkRunCap();
    this.checkGymCap(gym);
  }

  private checkRunCap(): void {
    const max = this.limits.maxCostUsd;
    if (this.stopped === undefined && max !== undefined && this.totalUsd >= max) {
      this.stopped = { limit: 'maxCostUsd', limitUsd: max, spentUsd: this.totalUsd, at: new Date().toISOString(), message: `The run reached limits.maxCostUsd: ${usd(this.totalUsd)} spent of ${usd(max)}.` };
    }
  }

  private checkGymCap(gym: string): void {
    const at = new Date().toISOString();
    const gymMax = gymCostLimit(this.limits, gym);
    const gymSpent = this.byGymUsd.get(gym) ?? 0;
    if (!this.stoppedGyms.has(gym) && gymMax !== undefined && gymSpent >= gymMax) {
      this.stoppedGyms.set(gym, { limit: 'maxCostUsdPerGym', gym, limitUsd: gymMax, spentUsd: gymSpent, at, message: `Gym ${gym} reached its spend cap: ${usd(gymSpent)} spent of ${usd(gymMax)}.` });
    }
  }
}

/** A model whose every call is checked against the guard first and counted after. */
export function withBudget(model: ChatModel, guard: BudgetGuard, scope: BudgetScope): ChatModel {
  return {
    id: model.id,
    async complete(request) {
      const step = request.step ?? 'unknown';
      guard.beforeCall(scope, step);
      const response = await model.complete(request);
      guard.afterCall(scope, step, { ...response.usage, costUsd: response.costUsd });
      return response;
    },
  };
}

import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ChatModel } from '../core/model.js';
import type { Store } from '../store/store.js';
import type { BudgetGuard, BudgetScope } from './budget-guard.js';

/** Spend in USD: in total and per gym. */
export interface SpendTotals {
  totalUsd: number;
  byGymUsd: ReadonlyMap<string, number>;
}

const STORE_ID_KEY = 'store-id';
const TOTAL_FIELD = 'total';

function gymField(gym: string): string {
  return `gym:${gym}`;
}

/**
 * The store's own id, made once and kept in it: the name of its spend in Redis. Not its path, which two
 * machines may share and a moved store changes.
 */
export function storeIdentity(store: Store): string {
  const row = store.database.prepare('SELECT value_json FROM run_state WHERE key = ?').get(STORE_ID_KEY) as { value_json: string } | undefined;
  if (row) return JSON.parse(row.value_json) as string;
  const id = randomUUID();
  store.database.prepare('INSERT INTO run_state (key, value_json, updated_at) VALUES (?, ?, ?)').run(STORE_ID_KEY, JSON.stringify(id), new Date().toISOString());
  return id;
}

/** The Redis hash that holds one store's spend while a queue run is on (fields `total` and `gym:<name>`, USD). */
export function sharedSpendKey(prefix: string, storeId: string): string {
  return `${prefix}:spend:${storeId}`;
}

/**
 * One store's model spend in Redis, where the coordinator and every worker reach it: the coordinator seeds it
 * with what the store recorded, each worker adds each call's cost as soon as it is paid (HINCRBYFLOAT, atomic),
 * and every budget check reads it, so a cap holds across machines as it does in one process.
 */
export class SharedSpend {
  constructor(
    private readonly redis: Redis,
    readonly key: string,
  ) {}

  /** Replace what the hash holds with the store's recorded spend (a coordinator, at the start of its mirror stage). */
  async seed(spend: SpendTotals): Promise<void> {
    const fields: string[] = [TOTAL_FIELD, String(spend.totalUsd)];
    for (const [gym, usd] of spend.byGymUsd) fields.push(gymField(gym), String(usd));
    await this.redis.multi().del(this.key).hset(this.key, ...fields).exec();
  }

  /** The spend so far: in total, and of the gyms asked for. */
  async read(gyms: readonly string[]): Promise<SpendTotals> {
    const values = await this.redis.hmget(this.key, TOTAL_FIELD, ...gyms.map(gymField));
    const [total, ...perGym] = values.map((value) => (value === null ? 0 : Number(value)));
    return { totalUsd: total ?? 0, byGymUsd: new Map(gyms.map((gym, index) => [gym, perGym[index] ?? 0])) };
  }

  /** Count one paid call (a cached or replayed answer costs nothing and is not counted). */
  async add(gym: string, costUsd: number): Promise<void> {
    if (!(costUsd > 0)) return;
    await this.redis.multi().hincrbyfloat(this.key, TOTAL_FIELD, costUsd).hincrbyfloat(this.key, gymField(gym), costUsd).exec();
  }
}

/**
 * A model under a guard whose spend is the shared one: before every call the guard takes the spend from Redis
 * (all workers' calls), then checks the caps as locally; after it the call's cost goes into Redis. Calls in
 * flight on other machines when a cap is reached still finish, so the overshoot is at most the calls in flight.
 */
export function withSharedBudget(model: ChatModel, guard: BudgetGuard, shared: SharedSpend, scope: BudgetScope): ChatModel {
  return {
    id: model.id,
    async complete(request) {
      const step = request.step ?? 'unknown';
      guard.useSpend(await shared.read([scope.gym]));
      guard.beforeCall(scope, step);
      const response = await model.complete(request);
      guard.afterCall(scope, step, { ...response.usage, costUsd: response.costUsd });
      await shared.add(scope.gym, response.costUsd);
      return response;
    },
  };
}

import type { Store } from '../store/store.js';
import type { BudgetStop } from './budget-guard.js';

const STOP_KEY = 'stop';

/** Spend recorded in the store so far: in total and per gym (calls of a gym's candidates). */
export function readRecordedSpend(store: Store): { totalUsd: number; byGymUsd: Map<string, number> } {
  const total = store.database.prepare('SELECT COALESCE(SUM(cost_usd), 0) AS cost FROM model_calls').get() as { cost: number };
  const rows = store.database
    .prepare('SELECT c.gym AS gym, COALESCE(SUM(m.cost_usd), 0) AS cost FROM model_calls m JOIN candidates c ON c.id = m.candidate_id GROUP BY c.gym')
    .all() as Array<{ gym: string; cost: number }>;
  return { totalUsd: total.cost, byGymUsd: new Map(rows.map((row) => [row.gym, row.cost])) };
}

/** What stopped the last run, when a budget did (shown by `status`). */
export interface RecordedStop extends BudgetStop {
  /** Candidates left pending because of it. */
  leftPending: number;
  stoppedGyms: string[];
}

/** Record why the run stopped, or clear it when the run was not stopped by a budget. */
export function saveRunStop(store: Store, stop: RecordedStop | undefined): void {
  if (stop === undefined) {
    store.database.prepare('DELETE FROM run_state WHERE key = ?').run(STOP_KEY);
    return;
  }
  store.database
    .prepare('INSERT INTO run_state (key, value_json, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json, updated_at = excluded.updated_at')
    .run(STOP_KEY, JSON.stringify(stop), new Date().toISOString());
}

/** Why the last run stopped, if a budget stopped it. */
export function readRunStop(store: Store): RecordedStop | undefined {
  // A store opened read-only is not migrated: one older than schema 3 has no run_state table, and no stop.
  if (store.schemaVersion() < 3) return undefined;
  const row = store.database.prepare('SELECT value_json FROM run_state WHERE key = ?').get(STOP_KEY) as { value_json: string } | undefined;
  return row ? (JSON.parse(row.value_json) as RecordedStop) : undefined;
}

/** The stop as a line for people. */
export function describeRunStop(stop: RecordedStop): string {
  const gyms = stop.stoppedGyms.length > 0 ? ` (gyms at their cap: ${stop.stoppedGyms.join(', ')})` : '';
  return `Stopped by a budget at ${stop.at}: ${stop.message}${gyms} ${stop.leftPending} candidate(s) left pending; raise the limit under limits: and run again to continue.`;
}

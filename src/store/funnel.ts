import type { Store } from './store.js';

export interface FunnelRow {
  gym: string;
  stage: string;
  count: number;
}

export interface LossReason {
  stage: string;
  rule: string;
  count: number;
  example: string | null;
}

export interface Funnel {
  /** Candidate count per gym and stage. */
  stages: FunnelRow[];
  totals: Record<string, number>;
  candidates: number;
  tasks: number;
  duplicates: number;
  /** Non-duplicate tasks per candidate that has any (several with `mirror.samples` > 1): how many candidates, the most from one. */
  tasksPerCandidate: { candidates: number; tasks: number; mostFromOne: number };
  topLosses: LossReason[];
  model: { calls: number; cachedCalls: number; inputTokens: number; outputTokens: number; costUsd: number };
}

/** Read the yield funnel from the store: counts per stage and the top reasons for loss. */
export function readFunnel(store: Store, options: { topLosses?: number } = {}): Funnel {
  const database = store.database;
  const stages = database
    .prepare('SELECT gym, stage, COUNT(*) AS count FROM candidates GROUP BY gym, stage ORDER BY gym, stage')
    .all() as FunnelRow[];
  const totals: Record<string, number> = {};
  for (const row of stages) totals[row.stage] = (totals[row.stage] ?? 0) + row.count;
  const candidates = (database.prepare('SELECT COUNT(*) AS count FROM candidates').get() as { count: number }).count;
  const taskCounts = database
    .prepare('SELECT COUNT(*) AS all_tasks, SUM(duplicate_of IS NOT NULL) AS duplicates FROM tasks')
    .get() as { all_tasks: number; duplicates: number | null };
  const perCandidate = database
    .prepare(
      `SELECT COUNT(*) AS candidates, COALESCE(SUM(count), 0) AS tasks, COALESCE(MAX(count), 0) AS mostFromOne
       FROM (SELECT COUNT(*) AS count FROM tasks WHERE duplicate_of IS NULL GROUP BY candidate_id)`,
    )
    .get() as Funnel['tasksPerCandidate'];
  const topLosses = database
    .prepare(
      `SELECT loss_stage AS stage, loss_rule AS rule, COUNT(*) AS count, MIN(loss_reason) AS example FROM candidates
       WHERE loss_stage IS NOT NULL GROUP BY loss_stage, loss_rule ORDER BY count DESC, stage, rule LIMIT ?`,
    )
    .all(options.topLosses ?? 10) as LossReason[];
  const model = database
    .prepare(
      `SELECT COUNT(*) AS calls, COALESCE(SUM(cached), 0) AS cachedCalls, COALESCE(SUM(input_tokens), 0) AS inputTokens,
              COALESCE(SUM(output_tokens), 0) AS outputTokens, COALESCE(SUM(cost_usd), 0) AS costUsd FROM model_calls`,
    )
    .get() as Funnel['model'];
  return {
    stages,
    totals,
    candidates,
    tasks: taskCounts.all_tasks - (taskCounts.duplicates ?? 0),
    duplicates: taskCounts.duplicates ?? 0,
    tasksPerCandidate: perCandidate,
    topLosses,
    model,
  };
}

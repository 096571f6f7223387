import type { SourcePR, Task } from '../core/records.js';
import type { Store } from '../store/store.js';
import type { ConsistencyLevel } from './consistency.js';

/** A stored judgement; `unreadable` when the judge's answer could not be read (such a task never meets a minimum). */
export interface StoredJudgement {
  instanceId: string;
  consistency: ConsistencyLevel | 'unreadable';
  reason: string;
  model: string;
  promptVersion: number;
  costUsd: number;
  createdAt: string;
}

/** Save a task's judgement, and copy it into the task record so that exports carry it (one transaction). */
export function saveJudgement(store: Store, judgement: Omit<StoredJudgement, 'createdAt'>): void {
  const createdAt = new Date().toISOString();
  const onTask = { level: judgement.consistency, reason: judgement.reason, model: judgement.model, promptVersion: judgement.promptVersion };
  store.database.transaction(() => {
    store.database
      .prepare(
        `INSERT INTO judgements (instance_id, consistency, reason, model, prompt_version, cost_usd, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (instance_id) DO UPDATE SET consistency = excluded.consistency, reason = excluded.reason, model = excluded.model,
           prompt_version = excluded.prompt_version, cost_usd = excluded.cost_usd, created_at = excluded.created_at`,
      )
      .run(judgement.instanceId, judgement.consistency, judgement.reason, judgement.model, judgement.promptVersion, judgement.costUsd, createdAt);
    store.database.prepare(`UPDATE tasks SET record_json = json_set(record_json, '$.consistency', json(?)) WHERE instance_id = ?`).run(JSON.stringify(onTask), judgement.instanceId);
  })();
}

/** Every stored judgement by instance id (empty for a store older than schema 3). */
export function readJudgements(store: Store): Map<string, StoredJudgement> {
  if (store.schemaVersion() < 3) return new Map();
  const rows = store.database
    .prepare('SELECT instance_id AS instanceId, consistency, reason, model, prompt_version AS promptVersion, cost_usd AS costUsd, created_at AS createdAt FROM judgements')
    .all() as StoredJudgement[];
  return new Map(rows.map((row) => [row.instanceId, row]));
}

/** Non-duplicate tasks without a judgement, with their candidate and source PR, in collection order. */
export function listTasksToJudge(store: Store): Array<{ task: Task; candidateId: number; gym: string; source: SourcePR }> {
  const rows = store.database
    .prepare(
      `SELECT t.candidate_id AS candidateId, t.gym AS gym, t.record_json AS task, s.record_json AS source
       FROM tasks t JOIN candidates c ON c.id = t.candidate_id JOIN source_prs s ON s.id = c.source_pr_id
       LEFT JOIN judgements j ON j.instance_id = t.instance_id
       WHERE j.instance_id IS NULL AND t.duplicate_of IS NULL ORDER BY t.candidate_id, t.instance_id`,
    )
    .all() as Array<{ candidateId: number; gym: string; task: string; source: string }>;
  return rows.map((row) => ({ candidateId: row.candidateId, gym: row.gym, task: JSON.parse(row.task) as Task, source: JSON.parse(row.source) as SourcePR }));
}

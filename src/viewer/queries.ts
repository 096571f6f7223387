import type { FilterVerdict, SourcePR, Task } from '../core/records.js';
import type { AttemptLog } from '../mirror/types.js';
import { instanceIdFor } from '../pipeline/mirror-stage.js';
import type { CandidateStage, Store } from '../store/store.js';

/** Status filter values: a group of stages, or one stage by name. */
export const STATUS_GROUPS: Record<string, readonly CandidateStage[]> = {
  verified: ['verified'],
  rejected: ['dropped-by-rules', 'rejected-by-llm', 'rejected-by-verifier'],
  failed: ['mirror-failed'],
  duplicate: ['duplicate'],
  pending: ['pending-llm-filter', 'pending-mirror'],
};

export interface CandidateFilter {
  gym?: string;
  language?: string;
  /** A key of STATUS_GROUPS or a stage name. */
  status?: string;
  rule?: string;
  repo?: string;
  /** Matched against the instance id, PR title, repository and loss reason. */
  search?: string;
}

export interface CandidateSummary {
  id: number;
  gym: string;
  language: string | null;
  stage: CandidateStage;
  lossRule: string | null;
  lossReason: string | null;
  repo: string;
  number: number;
  title: string;
  instanceId: string;
  hasTask: boolean;
  costUsd: number;
}

export interface CandidatePage {
  rows: CandidateSummary[];
  total: number;
  page: number;
  pageSize: number;
  pageCount: number;
}

interface SummaryRow {
  id: number;
  gym: string;
  language: string | null;
  stage: CandidateStage;
  loss_rule: string | null;
  loss_reason: string | null;
  repo: string;
  number: number;
  title: string | null;
  instance_id: string | null;
  cost_usd: number;
}

const SUMMARY_COLUMNS = `c.id, c.gym, COALESCE(g.language, t.language) AS language, c.stage, c.loss_rule, c.loss_reason, s.repo, s.number,
  json_extract(s.record_json, '$.title') AS title, t.instance_id, c.cost_usd`;
const SUMMARY_FROM = `FROM candidates c JOIN source_prs s ON s.id = c.source_pr_id LEFT JOIN gyms g ON g.name = c.gym
  LEFT JOIN tasks t ON t.candidate_id = c.id`;

/** The WHERE clause and its parameters for a filter (values are always bound, never spliced). */
function whereClause(filter: CandidateFilter): { sql: string; parameters: Array<string | number> } {
  const conditions: string[] = [];
  const parameters: Array<string | number> = [];
  if (filter.gym) {
    conditions.push('c.gym = ?');
    parameters.push(filter.gym);
  }
  if (filter.language) {
    conditions.push('COALESCE(g.language, t.language) = ?');
    parameters.push(filter.language);
  }
  if (filter.status) {
    const stages = STATUS_GROUPS[filter.status] ?? [filter.status];
    conditions.push(`c.stage IN (${stages.map(() => '?').join(', ')})`);
    parameters.push(...stages);
  }
  if (filter.rule) {
    conditions.push('c.loss_rule = ?');
    parameters.push(filter.rule);
  }
  if (filter.repo) {
    conditions.push('s.repo = ?');
    parameters.push(filter.repo);
  }
  if (filter.search) {
    const pattern = `%${filter.search.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
    conditions.push(
      `(t.instance_id LIKE ? ESCAPE '\\' OR json_extract(s.record_json, '$.title') LIKE ? ESCAPE '\\' OR s.repo LIKE ? ESCAPE '\\'
        OR c.loss_reason LIKE ? ESCAPE '\\' OR CAST(s.number AS TEXT) = ?)`,
    );
    parameters.push(pattern, pattern, pattern, pattern, filter.search.replace(/^#/, ''));
  }
  return { sql: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', parameters };
}

function toSummary(row: SummaryRow): CandidateSummary {
  return {
    id: row.id,
    gym: row.gym,
    language: row.language,
    stage: row.stage,
    lossRule: row.loss_rule,
    lossReason: row.loss_reason,
    repo: row.repo,
    number: row.number,
    title: row.title ?? '',
    instanceId: row.instance_id ?? instanceIdFor(row.gym, { repo: row.repo, number: row.number }),
    hasTask: row.instance_id !== null,
    costUsd: row.cost_usd,
  };
}

/** One page of candidates matching a filter, in collection order. */
export function listCandidates(store: Store, filter: CandidateFilter, page: number, pageSize: number): CandidatePage {
  const { sql, parameters } = whereClause(filter);
  const total = (store.database.prepare(`SELECT COUNT(*) AS count ${SUMMARY_FROM} ${sql}`).get(...parameters) as { count: number }).count;
  const pageCount = Math.max(1, Math.ceil(total / pageSize));
  const current = Math.min(Math.max(1, page), pageCount);
  const rows = store.database
    .prepare(`SELECT ${SUMMARY_COLUMNS} ${SUMMARY_FROM} ${sql} ORDER BY c.id LIMIT ? OFFSET ?`)
    .all(...parameters, pageSize, (current - 1) * pageSize) as SummaryRow[];
  return { rows: rows.map(toSummary), total, page: current, pageSize, pageCount };
}

/** The previous and next candidate ids under the same filter (keyboard navigation). */
export function neighbours(store: Store, filter: CandidateFilter, id: number): { previous?: number; next?: number } {
  const { sql, parameters } = whereClause(filter);
  const join = sql ? `${sql} AND` : 'WHERE';
  const previous = store.database.prepare(`SELECT c.id ${SUMMARY_FROM} ${join} c.id < ? ORDER BY c.id DESC LIMIT 1`).get(...parameters, id) as
    | { id: number }
    | undefined;
  const next = store.database.prepare(`SELECT c.id ${SUMMARY_FROM} ${join} c.id > ? ORDER BY c.id LIMIT 1`).get(...parameters, id) as
    | { id: number }
    | undefined;
  return { ...(previous ? { previous: previous.id } : {}), ...(next ? { next: next.id } : {}) };
}

/** The values each filter can take, for the list page's selects. */
export function filterChoices(store: Store): { gyms: string[]; languages: string[]; rules: string[]; repos: string[] } {
  const column = (sql: string): string[] => (store.database.prepare(sql).all() as Array<{ value: string }>).map((row) => row.value);
  return {
    gyms: column('SELECT DISTINCT gym AS value FROM candidates ORDER BY 1'),
    languages: column('SELECT DISTINCT language AS value FROM gyms UNION SELECT DISTINCT language FROM tasks ORDER BY 1'),
    rules: column('SELECT DISTINCT loss_rule AS value FROM candidates WHERE loss_rule IS NOT NULL ORDER BY 1'),
    repos: column('SELECT DISTINCT repo AS value FROM source_prs ORDER BY 1'),
  };
}

export interface ModelCallSummary {
  step: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  latencyMs: number;
  cached: boolean;
}

/** Everything the store knows about one candidate. */
export interface CandidateDetail {
  summary: CandidateSummary;
  source: SourcePR;
  ruleVerdict?: FilterVerdict;
  llmVerdict?: FilterVerdict;
  task?: Task;
  duplicateOf?: string;
  attempts: AttemptLog[];
  modelCalls: ModelCallSummary[];
}

function parseOptional<T>(json: string | null): T | undefined {
  return json === null ? undefined : (JSON.parse(json) as T);
}

/** One candidate with its source, verdicts, task and attempt logs; undefined when there is none. */
export function readCandidate(store: Store, id: number): CandidateDetail | undefined {
  const database = store.database;
  const row = database
    .prepare(`SELECT ${SUMMARY_COLUMNS}, s.record_json, c.rule_verdict_json, c.llm_verdict_json, t.record_json AS task_json, t.duplicate_of
      ${SUMMARY_FROM} WHERE c.id = ?`)
    .get(id) as
    | (SummaryRow & { record_json: string; rule_verdict_json: string | null; llm_verdict_json: string | null; task_json: string | null; duplicate_of: string | null })
    | undefined;
  if (!row) return undefined;
  const attempts = (database.prepare('SELECT record_json FROM attempts WHERE candidate_id = ? ORDER BY id').all(id) as Array<{ record_json: string }>).map(
    (attempt) => JSON.parse(attempt.record_json) as AttemptLog,
  );
  const modelCalls = (
    database
      .prepare(
        `SELECT step, model, input_tokens AS inputTokens, output_tokens AS outputTokens, cost_usd AS costUsd, latency_ms AS latencyMs, cached
         FROM model_calls WHERE candidate_id = ? ORDER BY id`,
      )
      .all(id) as Array<Omit<ModelCallSummary, 'cached'> & { cached: number }>
  ).map((call) => ({ ...call, cached: call.cached === 1 }));
  const task = parseOptional<Task>(row.task_json);
  const ruleVerdict = parseOptional<FilterVerdict>(row.rule_verdict_json);
  const llmVerdict = parseOptional<FilterVerdict>(row.llm_verdict_json);
  return {
    summary: toSummary(row),
    source: JSON.parse(row.record_json) as SourcePR,
    ...(ruleVerdict ? { ruleVerdict } : {}),
    ...(llmVerdict ? { llmVerdict } : {}),
    ...(task ? { task } : {}),
    ...(row.duplicate_of ? { duplicateOf: row.duplicate_of } : {}),
    attempts,
    modelCalls,
  };
}

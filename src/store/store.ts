import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SweMirrorError } from '../core/errors.js';
import { RECORD_SCHEMA_VERSION, type FilterVerdict, type LlmCallRecord, type SourcePR, type Task } from '../core/records.js';
import { hashFixContent } from '../dataset/fix-content.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations.js';
import { assertSqliteFileOrAbsent } from './sqlite-file.js';

/** Where a candidate is. Pending stages are resumable work; the others are final outcomes. */
export const CANDIDATE_STAGES = [
  'pending-llm-filter',
  'pending-mirror',
  'dropped-by-rules',
  'rejected-by-llm',
  'mirror-failed',
  'rejected-by-verifier',
  'verified',
  'duplicate',
] as const;
export type CandidateStage = (typeof CANDIDATE_STAGES)[number];

export interface StoredCandidate {
  id: number;
  gym: string;
  stage: CandidateStage;
  source: SourcePR;
  lossRule: string | null;
  lossReason: string | null;
}

export interface CandidateOutcome {
  stage: CandidateStage;
  lossRule?: string;
  lossReason?: string;
}

/** A model call as the store keeps it: the recorded call, against the candidate it was made for. */
export type ModelCallRow = Omit<LlmCallRecord, 'promptTemplate' | 'promptVersion'> & { candidateId: number | null };

function now(): string {
  return new Date().toISOString();
}

/** The store's schema version; a store newer than this code is closed and refused (STORE_TOO_NEW) with `hint`. */
function readSchemaVersion(database: Database.Database, file: string, hint: string): number {
  const current = database.pragma('user_version', { simple: true }) as number;
  if (current > LATEST_SCHEMA_VERSION) {
    database.close();
    throw new SweMirrorError({
      code: 'STORE_TOO_NEW',
      kind: 'user',
      message: `The store ${file} has schema version ${current}, but this swe-mirror knows versions up to ${LATEST_SCHEMA_VERSION}.`,
      hint,
    });
  }
  return current;
}

/** The embedded SQLite store: every pipeline stage's results, resumable after a kill. */
export class Store {
  readonly database: Database.Database;

  private readonly statements = new Map<string, Database.Statement>();

  private constructor(database: Database.Database) {
    this.database = database;
  }

  /** A prepared statement, compiled once per store (hot paths run it once per candidate). */
  private statement(sql: string): Database.Statement {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      prepared = this.database.prepare(sql);
      this.statements.set(sql, prepared);
    }
    return prepared;
  }

  /** Open (and migrate) a store; refuses a store written by a newer swe-mirror. */
  static open(file: string): Store {
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    assertSqliteFileOrAbsent(file);
    let database: Database.Database;
    try {
      database = new Database(file);
    } catch (cause) {
      throw new SweMirrorError({
        code: 'STORE_OPEN_FAILED',
        kind: 'user',
        message: `Cannot open the store ${file}: ${(cause as Error).message}`,
        hint: 'Check the path and its permissions, or pass another --store.',
        cause,
      });
    }
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 5000');
    const current = readSchemaVersion(database, file, 'Upgrade swe-mirror, or point --store at a new file.');
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      database.transaction(() => {
        database.exec(migration.sql);
        database.pragma(`user_version = ${migration.version}`);
      })();
    }
    return new Store(database);
  }

  /** Open an existing store read-only (the viewer): no migration, no write, refuses a newer schema. */
  static openReadOnly(file: string): Store {
    let database: Database.Database;
    try {
      database = new Database(file, { readonly: true, fileMustExist: true });
    } catch (cause) {
      throw new SweMirrorError({
        code: 'STORE_OPEN_FAILED',
        kind: 'user',
        message: `Cannot open the store ${file} read-only: ${(cause as Error).message}`,
        hint: 'Check the path: it should be a state.sqlite written by `swe-mirror run`.',
        cause,
      });
    }
    const current = readSchemaVersion(database, file, 'Upgrade swe-mirror to read this store.');
    if (current === 0) {
      database.close();
      throw new SweMirrorError({
        code: 'STORE_NOT_A_STORE',
        kind: 'user',
        message: `${file} is an SQLite file but not a swe-mirror store (it has no schema version).`,
        hint: 'Point at the state.sqlite of a `swe-mirror run` output directory.',
      });
    }
    return new Store(database);
  }

  close(): void {
    this.database.close();
  }

  schemaVersion(): number {
    return this.database.pragma('user_version', { simple: true }) as number;
  }

  /** Record a gym's preparation outcome. */
  saveGym(gym: { name: string; language: string; specPath: string; status: 'prepared' | 'failed'; error?: string; record?: unknown }): void {
    this
      .statement(
        `INSERT INTO gyms (name, language, spec_path, status, error, record_json, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET language = excluded.language, spec_path = excluded.spec_path, status = excluded.status,
           error = excluded.error, record_json = excluded.record_json, updated_at = excluded.updated_at`,
      )
      .run(gym.name, gym.language, gym.specPath, gym.status, gym.error ?? null, gym.record === undefined ? null : JSON.stringify(gym.record), now());
  }

  listGyms(): Array<{ name: string; language: string; status: string; error: string | null }> {
    return this.statement('SELECT name, language, status, error FROM gyms ORDER BY name').all() as Array<{
      name: string;
      language: string;
      status: string;
      error: string | null;
    }>;
  }

  /**
   * Add collected PRs as candidates of a gym with their rule verdicts, in one transaction.
   * Idempotent: a (gym, repo, number) already present is left as it is.
   */
  addCandidates(gym: string, items: Array<{ source: SourcePR; ruleVerdict: FilterVerdict; skipLlmFilter?: boolean }>): number {
    const insertSource = this.statement(
      `INSERT INTO source_prs (repo, number, origin, record_json, schema_version) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (repo, number) DO NOTHING`,
    );
    const findSource = this.statement('SELECT id FROM source_prs WHERE repo = ? AND number = ?');
    const insertCandidate = this.statement(
      `INSERT INTO candidates (gym, source_pr_id, stage, loss_stage, loss_rule, loss_reason, rule_verdict_json, updated_at, schema_version)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (gym, source_pr_id) DO NOTHING`,
    );
    let added = 0;
    this.database.transaction(() => {
      for (const item of items) {
        insertSource.run(item.source.repo, item.source.number, item.source.origin, JSON.stringify(item.source), RECORD_SCHEMA_VERSION);
        const row = findSource.get(item.source.repo, item.source.number) as { id: number };
        const kept = item.ruleVerdict.kept;
        const stage: CandidateStage = !kept ? 'dropped-by-rules' : item.skipLlmFilter ? 'pending-mirror' : 'pending-llm-filter';
        const result = insertCandidate.run(
          gym,
          row.id,
          stage,
          kept ? null : 'rules',
          kept ? null : item.ruleVerdict.reason,
          kept ? null : (item.ruleVerdict.detail ?? item.ruleVerdict.reason),
          JSON.stringify(item.ruleVerdict),
          now(),
          RECORD_SCHEMA_VERSION,
        );
        added += result.changes;
      }
    })();
    return added;
  }

  /** Whether a gym already has a candidate for this PR. */
  hasCandidate(gym: string, repo: string, number: number): boolean {
    return (
      this.database
        .prepare('SELECT 1 FROM candidates c JOIN source_prs s ON s.id = c.source_pr_id WHERE c.gym = ? AND s.repo = ? AND s.number = ?')
        .get(gym, repo, number) !== undefined
    );
  }

  /** Candidates waiting at a stage, oldest first. */
  candidatesAt(stage: CandidateStage, gym?: string): StoredCandidate[] {
    const rows = this
      .statement(
        `SELECT c.id, c.gym, c.stage, c.loss_rule, c.loss_reason, s.record_json FROM candidates c JOIN source_prs s ON s.id = c.source_pr_id
         WHERE c.stage = ? ${gym === undefined ? '' : 'AND c.gym = ?'} ORDER BY c.id`,
      )
      .all(...(gym === undefined ? [stage] : [stage, gym])) as Array<{
      id: number;
      gym: string;
      stage: CandidateStage;
      loss_rule: string | null;
      loss_reason: string | null;
      record_json: string;
    }>;
    return rows.map((row) => ({
      id: row.id,
      gym: row.gym,
      stage: row.stage,
      source: JSON.parse(row.record_json) as SourcePR,
      lossRule: row.loss_rule,
      lossReason: row.loss_reason,
    }));
  }

  /** Record the LLM filter's verdict and move the candidate on. */
  saveLlmVerdict(candidateId: number, verdict: FilterVerdict & { rule?: string }): void {
    const stage: CandidateStage = verdict.kept ? 'pending-mirror' : 'rejected-by-llm';
    this
      .statement(
        `UPDATE candidates SET stage = ?, llm_verdict_json = ?, loss_stage = ?, loss_rule = ?, loss_reason = ?, updated_at = ?
         WHERE id = ? AND stage = 'pending-llm-filter'`,
      )
      .run(
        stage,
        JSON.stringify(verdict),
        verdict.kept ? null : 'llm-filter',
        verdict.kept ? null : (verdict.rule ?? 'not-mirrorable'),
        verdict.kept ? null : verdict.reason,
        now(),
        candidateId,
      );
  }

  /**
   * Record a mirroring outcome atomically: the attempt log, the final stage and, when verified, the task.
   * A candidate already past `pending-mirror` is left untouched (a resumed run never duplicates).
   */
  saveMirrorOutcome(candidateId: number, outcome: CandidateOutcome & { attempt: unknown; costUsd: number; task?: Task; tasks?: readonly Task[] }): boolean {
    let saved = false;
    this.database.transaction(() => {
      const current = this.statement('SELECT stage FROM candidates WHERE id = ?').get(candidateId) as { stage: string } | undefined;
      if (current?.stage !== 'pending-mirror') return;
      this.database
        .prepare('INSERT INTO attempts (candidate_id, status, record_json, created_at, schema_version) VALUES (?, ?, ?, ?, ?)')
        .run(candidateId, outcome.stage, JSON.stringify(outcome.attempt), now(), RECORD_SCHEMA_VERSION);
      const isLoss = outcome.stage !== 'verified';
      this.database
        .prepare(
          `UPDATE candidates SET stage = ?, loss_stage = ?, loss_rule = ?, loss_reason = ?, cost_usd = cost_usd + ?, updated_at = ? WHERE id = ?`,
        )
        .run(
          outcome.stage,
          isLoss ? outcome.stage : null,
          isLoss ? (outcome.lossRule ?? null) : null,
          isLoss ? (outcome.lossReason ?? null) : null,
          outcome.costUsd,
          now(),
          candidateId,
        );
      for (const task of outcome.tasks ?? (outcome.task ? [outcome.task] : [])) this.insertTask(candidateId, task);
      saved = true;
    })();
    return saved;
  }

  private insertTask(candidateId: number, task: Task): void {
    this
      .statement(
        `INSERT INTO tasks (instance_id, candidate_id, variant, gym, language, fail_to_pass_key, fix_hash, duplicate_of, record_json, schema_version, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)`,
      )
      .run(
        task.instanceId,
        candidateId,
        task.variant ?? 0,
        task.gym,
        task.language,
        JSON.stringify([...task.FAIL_TO_PASS].sort()),
        hashFixContent(task.fixPatch),
        JSON.stringify(task),
        RECORD_SCHEMA_VERSION,
        task.createdAt,
      );
  }

  /**
   * Keep the log of an attempt that infrastructure trouble interrupted (status `interrupted`), while its
   * candidate stays pending: what it finished is not lost, and the next run continues from it.
   */
  saveInterruptedAttempt(candidateId: number, attempt: unknown): void {
    this
      .statement(
        `INSERT INTO attempts (candidate_id, status, record_json, created_at, schema_version)
         SELECT ?, 'interrupted', ?, ?, ? WHERE EXISTS (SELECT 1 FROM candidates WHERE id = ? AND stage = 'pending-mirror')`,
      )
      .run(candidateId, JSON.stringify(attempt), now(), RECORD_SCHEMA_VERSION, candidateId);
  }

  /** The candidate's latest attempt when that one was interrupted (to continue it), else undefined. */
  interruptedAttempt(candidateId: number): unknown {
    const row = this.statement('SELECT status, record_json FROM attempts WHERE candidate_id = ? ORDER BY id DESC LIMIT 1').get(candidateId) as
      | { status: string; record_json: string }
      | undefined;
    return row?.status === 'interrupted' ? JSON.parse(row.record_json) : undefined;
  }

  /** Replace a stored task's record (re-verification on a new gym commit), keeping its candidate, variant and duplicate mark. */
  updateTask(task: Task): void {
    this
      .statement('UPDATE tasks SET record_json = ?, fail_to_pass_key = ?, fix_hash = ? WHERE instance_id = ?')
      .run(JSON.stringify(task), JSON.stringify([...task.FAIL_TO_PASS].sort()), hashFixContent(task.fixPatch), task.instanceId);
  }

  /** Record one model call (cost accounting, funnel of tokens). */
  recordModelCall(call: ModelCallRow): void {
    this
      .statement(
        `INSERT INTO model_calls (candidate_id, step, model, request_hash, input_tokens, output_tokens, cost_usd, latency_ms, cached, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        call.candidateId,
        call.step,
        call.model,
        call.requestHash,
        call.inputTokens,
        call.outputTokens,
        call.costUsd,
        Math.round(call.latencyMs),
        call.cached ? 1 : 0,
        now(),
      );
  }

  /** Every stored task, in collection order (of its candidate), with its duplicate mark. */
  listTasks(options: { includeDuplicates?: boolean; gym?: string } = {}): Array<Task & { duplicateOf: string | null }> {
    const conditions: string[] = [];
    const parameters: string[] = [];
    if (!options.includeDuplicates) conditions.push('duplicate_of IS NULL');
    if (options.gym !== undefined) {
      conditions.push('gym = ?');
      parameters.push(options.gym);
    }
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const rows = this
      .statement(`SELECT record_json, duplicate_of FROM tasks ${where} ORDER BY candidate_id, variant`)
      .all(...parameters) as Array<{ record_json: string; duplicate_of: string | null }>;
    return rows.map((row) => ({ ...(JSON.parse(row.record_json) as Task), duplicateOf: row.duplicate_of }));
  }

  /** Mark tasks as duplicates of others (and their candidates' stage, once none of its tasks is left), in one transaction. */
  markDuplicates(marks: Array<{ instanceId: string; duplicateOf: string; reason: string }>): void {
    const markTask = this.statement('UPDATE tasks SET duplicate_of = ? WHERE instance_id = ?');
    const markCandidate = this.statement(
      `UPDATE candidates SET stage = 'duplicate', loss_stage = 'dedup', loss_rule = ?, loss_reason = ?, updated_at = ?
       WHERE id = (SELECT candidate_id FROM tasks WHERE instance_id = ?)
         AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.candidate_id = candidates.id AND t.duplicate_of IS NULL)`,
    );
    this.database.transaction(() => {
      for (const mark of marks) {
        markTask.run(mark.duplicateOf, mark.instanceId);
        markCandidate.run(mark.reason, `duplicate of ${mark.duplicateOf}`, now(), mark.instanceId);
      }
    })();
  }
}

/** Schema migrations, applied in order; `PRAGMA user_version` holds the number applied. */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'gyms, source PRs, candidates, attempts, model calls, tasks',
    sql: `
      CREATE TABLE gyms (
        name TEXT PRIMARY KEY,
        language TEXT NOT NULL,
        spec_path TEXT NOT NULL,
        status TEXT NOT NULL,             -- prepared | failed
        error TEXT,
        record_json TEXT,                 -- PreparedGym summary (commit, baseline, ...)
        updated_at TEXT NOT NULL
      );
      CREATE TABLE source_prs (
        id INTEGER PRIMARY KEY,
        repo TEXT NOT NULL,
        number INTEGER NOT NULL,
        origin TEXT NOT NULL,
        record_json TEXT NOT NULL,
        schema_version INTEGER NOT NULL,
        UNIQUE (repo, number)
      );
      CREATE TABLE candidates (
        id INTEGER PRIMARY KEY,
        gym TEXT NOT NULL,
        source_pr_id INTEGER NOT NULL REFERENCES source_prs(id),
        stage TEXT NOT NULL,              -- see CANDIDATE_STAGES
        loss_stage TEXT,                  -- stage at which it was lost
        loss_rule TEXT,                   -- stable rule or failure name
        loss_reason TEXT,                 -- human-readable reason
        rule_verdict_json TEXT,
        llm_verdict_json TEXT,
        cost_usd REAL NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL,
        schema_version INTEGER NOT NULL,
        UNIQUE (gym, source_pr_id)
      );
      CREATE INDEX candidates_stage ON candidates (stage);
      CREATE TABLE attempts (
        id INTEGER PRIMARY KEY,
        candidate_id INTEGER NOT NULL REFERENCES candidates(id),
        status TEXT NOT NULL,
        record_json TEXT NOT NULL,
        created_at TEXT NOT NULL,
        schema_version INTEGER NOT NULL
      );
      CREATE TABLE model_calls (
        id INTEGER PRIMARY KEY,
        candidate_id INTEGER,
        step TEXT NOT NULL,
        model TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cost_usd REAL NOT NULL,
        latency_ms INTEGER NOT NULL,
        cached INTEGER NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE TABLE tasks (
        instance_id TEXT PRIMARY KEY,
        candidate_id INTEGER NOT NULL UNIQUE REFERENCES candidates(id),
        gym TEXT NOT NULL,
        language TEXT NOT NULL,
        fail_to_pass_key TEXT NOT NULL,   -- sorted FAIL_TO_PASS as JSON, for dedup
        fix_hash TEXT NOT NULL,           -- hash of the normalized fix, for dedup
        duplicate_of TEXT,
        record_json TEXT NOT NULL,
        schema_version INTEGER NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX tasks_gym ON tasks (gym);
    `,
  },
  {
    version: 2,
    description: 'indexes for the funnel and task listing (bench/store-scale.ts: readFunnel about 6x faster at 100,000 candidates)',
    sql: `
      -- Covering index for the funnel's counts per gym and stage.
      CREATE INDEX candidates_gym_stage ON candidates (gym, stage);
      -- Covering index for the top reasons for loss; only lost candidates are in it.
      CREATE INDEX candidates_losses ON candidates (loss_stage, loss_rule, loss_reason) WHERE loss_stage IS NOT NULL;
      -- listTasks reads non-duplicates in creation order without sorting the records; also covers the task counts.
      CREATE INDEX tasks_listing ON tasks (duplicate_of, created_at, instance_id);
    `,
  },
  {
    version: 3,
    description: 'run state (why the last run stopped: a budget reached) and faithfulness judgements of tasks',
    sql: `
      -- Small facts about the run as a whole, one JSON value per key (e.g. 'stop': the budget that stopped the last run).
      CREATE TABLE run_state (
        key TEXT PRIMARY KEY,
        value_json TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      -- The LLM judge's grade of a task against its source PR and issue (high | moderate | inconsistent).
      CREATE TABLE judgements (
        instance_id TEXT PRIMARY KEY,
        consistency TEXT NOT NULL,
        reason TEXT NOT NULL,
        model TEXT NOT NULL,
        prompt_version INTEGER NOT NULL,
        cost_usd REAL NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 4,
    description: 'several tasks per candidate (mirror.samples > 1): tasks keyed by (candidate, variant), not by candidate alone',
    sql: `
      CREATE TABLE tasks_new (
        instance_id TEXT PRIMARY KEY,
        candidate_id INTEGER NOT NULL REFERENCES candidates(id),
        variant INTEGER NOT NULL DEFAULT 0,  -- which distinct usable mirror answer of the candidate
        gym TEXT NOT NULL,
        language TEXT NOT NULL,
        fail_to_pass_key TEXT NOT NULL,
        fix_hash TEXT NOT NULL,
        duplicate_of TEXT,
        record_json TEXT NOT NULL,
        schema_version INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (candidate_id, variant)
      );
      INSERT INTO tasks_new (instance_id, candidate_id, variant, gym, language, fail_to_pass_key, fix_hash, duplicate_of, record_json, schema_version, created_at)
        SELECT instance_id, candidate_id, 0, gym, language, fail_to_pass_key, fix_hash, duplicate_of, record_json, schema_version, created_at FROM tasks;
      DROP TABLE tasks;
      ALTER TABLE tasks_new RENAME TO tasks;
      CREATE INDEX tasks_gym ON tasks (gym);
      CREATE INDEX tasks_listing ON tasks (duplicate_of, created_at, instance_id);
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

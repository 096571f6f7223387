import type { Store } from '../store/store.js';
import { renderTable } from './stats.js';

/** Why a mirrored candidate did not become a task, in the paper's Table 6 terms plus the steps swe-mirror adds. */
export const LOSS_CAUSES = ['compile', 'semantic', 'answer', 'statement', 'verifier', 'budget', 'unclassified'] as const;
export type LossCause = (typeof LOSS_CAUSES)[number];

/** Failure codes (StepEntry.code) whose meaning is "no test could run": the build, the load or the run itself broke. */
const COMPILE_CODES = new Set(['MIRROR_PRECHECK_FAILED', 'MIRROR_PRECHECK_TIMED_OUT', 'MIRROR_TESTS_NOT_RUN', 'MIRROR_TESTS_TIMED_OUT', 'TEST_NO_RESULTS', 'TEST_TIMED_OUT']);
/** Codes whose meaning is "the tests ran, but there is no clean FAIL_TO_PASS". */
const SEMANTIC_CODES = new Set(['MIRROR_TESTS_STILL_PASS', 'TEST_NOT_PASSING_ON_CLEAN', 'TEST_NO_NEW_TESTS', 'TEST_BREAKS_EXISTING', 'TEST_PATCH_REMOVES_TESTS']);
/** Steps whose failure can only be an unusable answer (nothing runs in them). */
const ANSWER_STEPS = new Set(['distill', 'test-localize', 'mirror-localize']);

export interface YieldRow {
  language: string;
  /** Candidates whose mirroring finished (verified, duplicate, failed or rejected). */
  mirrored: number;
  /** Of those, the ones that gave at least one verified task (duplicates included: they verified). */
  verified: number;
  yieldPercent: number;
  losses: Record<LossCause, number>;
  /** Losses by step and failure code, for reading beyond the columns (`step/CODE` or `verify/<rule>`). */
  detail: Record<string, number>;
}

interface AttemptFacts {
  failure?: { step?: string };
  steps?: Array<{ step: string; outcome: string; code?: string; details?: Record<string, unknown> }>;
}

/** Classify one lost candidate from what its attempt log recorded (the failing step and its failure code), not from message text. */
export function classifyLoss(stage: string, lossRule: string | null, attempt: AttemptFacts | undefined): { cause: LossCause; key: string } {
  if (stage === 'rejected-by-verifier') return { cause: 'verifier', key: `verify/${lossRule ?? 'rejected'}` };
  if (lossRule?.startsWith('budget-')) return { cause: 'budget', key: lossRule };
  const step = attempt?.failure?.step ?? lossRule ?? 'unknown';
  if (step === 'statement') return { cause: 'statement', key: 'statement' };
  if (step === 'verify') return { cause: 'verifier', key: 'verify' };
  if (ANSWER_STEPS.has(step)) return { cause: 'answer', key: step };
  const failed = [...(attempt?.steps ?? [])].reverse().find((entry) => entry.step === step && entry.outcome === 'failed');
  const code = failed?.code;
  if (code === undefined) {
    // Logs written before step codes were recorded: a failed pre-check is still a recorded fact.
    if (failed?.details?.precheck !== undefined) return { cause: 'compile', key: `${step}/precheck` };
    return { cause: 'unclassified', key: `${step}/no-code` };
  }
  if (COMPILE_CODES.has(code)) return { cause: 'compile', key: `${step}/${code}` };
  if (SEMANTIC_CODES.has(code)) return { cause: 'semantic', key: `${step}/${code}` };
  return { cause: 'answer', key: `${step}/${code}` };
}

function emptyLosses(): Record<LossCause, number> {
  return Object.fromEntries(LOSS_CAUSES.map((cause) => [cause, 0])) as Record<LossCause, number>;
}

/** The yield table per language (and a Total row with more than one language), from the store's candidates and attempt logs. */
export function readYieldTable(store: Store): YieldRow[] {
  // Only the facts classifyLoss reads are pulled out of each latest attempt log, by SQLite's JSON functions: logs hold
  // raw answers and can be large, and parsing every one in JavaScript would make `stats` slow on a big store.
  const rows = store.database
    .prepare(
      `WITH latest AS (SELECT candidate_id, MAX(id) AS id FROM attempts GROUP BY candidate_id),
            lost AS (
              SELECT c.id AS id, COALESCE(g.language, '?') AS language, c.stage AS stage, c.loss_rule AS lossRule, a.record_json AS record
              FROM candidates c LEFT JOIN gyms g ON g.name = c.gym
              LEFT JOIN latest ON latest.candidate_id = c.id LEFT JOIN attempts a ON a.id = latest.id
              WHERE c.stage IN ('mirror-failed', 'rejected-by-verifier', 'verified', 'duplicate'))
       SELECT language, stage, lossRule,
              CASE WHEN stage = 'mirror-failed' THEN json_extract(record, '$.failure.step') END AS failureStep,
              CASE WHEN stage = 'mirror-failed' THEN (
                SELECT COALESCE(json_extract(entry.value, '$.code'), '') || char(31) || (json_type(entry.value, '$.details.precheck') IS NOT NULL)
                FROM json_each(record, '$.steps') AS entry
                WHERE json_extract(entry.value, '$.step') = COALESCE(json_extract(record, '$.failure.step'), lossRule)
                  AND json_extract(entry.value, '$.outcome') = 'failed'
                ORDER BY entry.key DESC LIMIT 1) END AS failedEntry,
              CASE WHEN stage = 'mirror-failed' THEN (
                SELECT 1 FROM json_each(record, '$.steps') AS entry
                WHERE json_extract(entry.value, '$.step') = COALESCE(json_extract(record, '$.failure.step'), lossRule)
                  AND json_extract(entry.value, '$.outcome') = 'failed' LIMIT 1) END AS hasFailedEntry
       FROM lost`,
    )
    .all() as Array<{ language: string; stage: string; lossRule: string | null; failureStep: string | null; failedEntry: string | null; hasFailedEntry: number | null }>;
  const byLanguage = new Map<string, YieldRow>();
  const total: YieldRow = { language: 'Total', mirrored: 0, verified: 0, yieldPercent: 0, losses: emptyLosses(), detail: {} };
  for (const row of rows) {
    let entry = byLanguage.get(row.language);
    if (!entry) {
      entry = { language: row.language, mirrored: 0, verified: 0, yieldPercent: 0, losses: emptyLosses(), detail: {} };
      byLanguage.set(row.language, entry);
    }
    for (const target of [entry, total]) target.mirrored += 1;
    if (row.stage === 'verified' || row.stage === 'duplicate') {
      for (const target of [entry, total]) target.verified += 1;
      continue;
    }
    // The failing step's last failed entry: its code (NULL when none was recorded) and whether it had a pre-check.
    const [code, precheck] = row.failedEntry === null ? [undefined, undefined] : row.failedEntry.split('\u001f');
    const step = row.failureStep ?? row.lossRule ?? 'unknown';
    const attempt: AttemptFacts = {
      ...(row.failureStep ? { failure: { step: row.failureStep } } : {}),
      steps: row.hasFailedEntry ? [{ step, outcome: 'failed', ...(code ? { code } : {}), ...(precheck === '1' ? { details: { precheck: true } } : {}) }] : [],
    };
    const { cause, key } = classifyLoss(row.stage, row.lossRule, attempt);
    for (const target of [entry, total]) {
      target.losses[cause] += 1;
      target.detail[key] = (target.detail[key] ?? 0) + 1;
    }
  }
  const result = [...byLanguage.values()].sort((a, b) => a.language.localeCompare(b.language));
  if (result.length > 1) result.push(total);
  for (const row of result) row.yieldPercent = row.mirrored === 0 ? 0 : Math.round((row.verified / row.mirrored) * 1000) / 10;
  return result;
}

const COLUMN_TITLES: Record<LossCause, string> = {
  compile: 'Compile/syntax',
  semantic: 'Semantic',
  answer: 'Answer',
  statement: 'Statement',
  verifier: 'Verifier',
  budget: 'Budget',
  unclassified: 'Unclassified',
};

/** The table as text, counts with their share of the mirrored candidates; empty budget/unclassified columns are left out. */
export function renderYieldTable(rows: readonly YieldRow[]): string {
  const causes = LOSS_CAUSES.filter((cause) => (cause !== 'budget' && cause !== 'unclassified') || rows.some((row) => row.losses[cause] > 0));
  const share = (count: number, of: number) => (of === 0 ? '0' : `${count} (${Math.round((count / of) * 100)}%)`);
  const table = renderTable(
    ['Language', 'Mirrored', 'Verified', 'Yield', ...causes.map((cause) => COLUMN_TITLES[cause])],
    rows.map((row) => [row.language, row.mirrored, row.verified, `${row.yieldPercent}%`, ...causes.map((cause) => share(row.losses[cause], row.mirrored))]),
  );
  return `Mirroring yield (losses: compile/syntax = no test could run; semantic = the tests ran, no clean FAIL_TO_PASS; answer = unusable model answer; statement; verifier rules)\n${table}`;
}

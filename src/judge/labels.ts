import type { AuditMark } from '../viewer/audit.js';
import { CONSISTENCY_LEVELS, type ConsistencyLevel } from './consistency.js';
import type { StoredJudgement } from './judgement-store.js';

/**
 * The judge against hand labels (the viewer's audit marks, `audit-labels.jsonl`): a 3 × 3 confusion matrix, and
 * precision and recall of "acceptable" (high or moderate, the paper's Table 7 share) as the positive class.
 */
export interface JudgeComparison {
  /** matrix[judge][label]: how many tasks the judge graded `judge` and a person `label`. */
  matrix: Record<ConsistencyLevel, Record<ConsistencyLevel, number>>;
  /** Labelled tasks the judge did not grade (not judged yet, not in this store, or an unreadable answer). */
  unjudged: number;
  /** Share of labelled, judged tasks where judge and label agree exactly. */
  agreement: number | null;
  precision: number | null;
  recall: number | null;
  disagreements: Array<{ instanceId: string; label: ConsistencyLevel; judge: ConsistencyLevel; reason: string }>;
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

const isAcceptable = (level: ConsistencyLevel) => level !== 'inconsistent';

/** Compare the stored judgements with hand labels, task by task (joined on instance id). */
export function compareJudgementsWithLabels(judgements: ReadonlyMap<string, StoredJudgement>, labels: ReadonlyMap<string, Pick<AuditMark, 'label'>>): JudgeComparison {
  const matrix = Object.fromEntries(CONSISTENCY_LEVELS.map((judge) => [judge, Object.fromEntries(CONSISTENCY_LEVELS.map((label) => [label, 0]))])) as JudgeComparison['matrix'];
  const comparison: JudgeComparison = { matrix, unjudged: 0, agreement: null, precision: null, recall: null, disagreements: [] };
  let truePositives = 0;
  let falsePositives = 0;
  let falseNegatives = 0;
  let agreed = 0;
  let judged = 0;
  for (const [instanceId, mark] of labels) {
    const judgement = judgements.get(instanceId);
    if (!judgement || judgement.consistency === 'unreadable') {
      comparison.unjudged += 1;
      continue;
    }
    const judge = judgement.consistency;
    judged += 1;
    matrix[judge][mark.label] += 1;
    if (judge === mark.label) agreed += 1;
    else comparison.disagreements.push({ instanceId, label: mark.label, judge, reason: judgement.reason });
    if (isAcceptable(judge) && isAcceptable(mark.label)) truePositives += 1;
    else if (isAcceptable(judge)) falsePositives += 1;
    else if (isAcceptable(mark.label)) falseNegatives += 1;
  }
  comparison.agreement = ratio(agreed, judged);
  comparison.precision = ratio(truePositives, truePositives + falsePositives);
  comparison.recall = ratio(truePositives, truePositives + falseNegatives);
  return comparison;
}

function percent(value: number | null): string {
  return value === null ? 'n/a' : `${(value * 100).toFixed(1)}%`;
}

/** The comparison as text: the matrix (rows: judge, columns: label), agreement, precision and recall of "acceptable". */
export function formatJudgeComparison(comparison: JudgeComparison): string[] {
  const cell = (value: string | number) => String(value).padStart(21);
  return [
    `${' '.repeat(20)}${CONSISTENCY_LEVELS.map((label) => cell(`label: ${label}`)).join('')}`,
    ...CONSISTENCY_LEVELS.map((judge) => `${`judge: ${judge}`.padEnd(20)}${CONSISTENCY_LEVELS.map((label) => cell(comparison.matrix[judge][label])).join('')}`),
    `exact agreement ${percent(comparison.agreement)}   "acceptable" (high or moderate): precision ${percent(comparison.precision)}   recall ${percent(comparison.recall)}   (${comparison.unjudged} labelled task(s) not judged)`,
  ];
}

import { z } from 'zod';
import { SweMirrorError } from '../core/errors.js';
import type { Candidate } from '../core/records.js';
import { readJsonLines } from './json-lines.js';

/** A hand label: is this PR mirrorable into the gym? */
export interface HandLabel {
  repo: string;
  number: number;
  mirrorable: boolean;
}

/** The LLM filter against hand labels: counts, precision and recall of "mirrorable". */
export interface LabelComparison {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  trueNegatives: number;
  /** Labelled PRs the LLM filter did not judge (dropped by a rule, not collected, or an unreadable answer). */
  unjudged: number;
  precision: number | null;
  recall: number | null;
  /** PRs where filter and label disagree, for reading the model's reasons. */
  disagreements: Array<{ repo: string; number: number; label: boolean; verdict: boolean; reason: string }>;
}

const labelSchema = z.object({ repo: z.string().min(1), number: z.coerce.number().int().positive(), mirrorable: z.boolean() });

/** Read labels JSONL (`{repo, number, mirrorable}` per line); any bad line is a user error naming its line. */
export async function readLabels(filePath: string): Promise<HandLabel[]> {
  const read = await readJsonLines(filePath).catch((cause: unknown) => {
    throw new SweMirrorError({ code: 'LABELS_UNREADABLE', kind: 'user', message: `Cannot read labels file ${filePath}.`, hint: 'Pass a JSONL file of {"repo","number","mirrorable"} rows with --labels.', cause });
  });
  const problems = read.problems.map((problem) => `line ${problem.line}: ${problem.message}`);
  const labels: HandLabel[] = [];
  for (const row of read.rows) {
    const parsed = labelSchema.safeParse(row.value);
    if (parsed.success) labels.push(parsed.data);
    else problems.push(`line ${row.line}: expected {"repo": "owner/name", "number": 123, "mirrorable": true|false}`);
  }
  if (problems.length > 0) {
    throw new SweMirrorError({
      code: 'LABELS_INVALID',
      kind: 'user',
      message: `${filePath} has ${problems.length} bad line(s):\n${problems.slice(0, 10).map((problem) => `  - ${problem}`).join('\n')}`,
      hint: 'Each line must be {"repo": "owner/name", "number": 123, "mirrorable": true|false}.',
    });
  }
  return labels;
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

/** Compare LLM verdicts with hand labels; "positive" means mirrorable. */
export function compareWithLabels(candidates: readonly Candidate[], labels: readonly HandLabel[]): LabelComparison {
  const verdicts = new Map<string, Candidate>();
  for (const candidate of candidates) verdicts.set(`${candidate.source.repo.toLowerCase()}#${candidate.source.number}`, candidate);
  const comparison: LabelComparison = { truePositives: 0, falsePositives: 0, falseNegatives: 0, trueNegatives: 0, unjudged: 0, precision: null, recall: null, disagreements: [] };
  for (const label of labels) {
    const verdict = verdicts.get(`${label.repo.toLowerCase()}#${label.number}`)?.llmVerdict;
    if (!verdict || verdict.error !== undefined) {
      comparison.unjudged += 1;
      continue;
    }
    if (verdict.kept && label.mirrorable) comparison.truePositives += 1;
    else if (verdict.kept) comparison.falsePositives += 1;
    else if (label.mirrorable) comparison.falseNegatives += 1;
    else comparison.trueNegatives += 1;
    if (verdict.kept !== label.mirrorable) comparison.disagreements.push({ repo: label.repo, number: label.number, label: label.mirrorable, verdict: verdict.kept, reason: verdict.reason });
  }
  comparison.precision = ratio(comparison.truePositives, comparison.truePositives + comparison.falsePositives);
  comparison.recall = ratio(comparison.truePositives, comparison.truePositives + comparison.falseNegatives);
  return comparison;
}

function percent(value: number | null): string {
  return value === null ? 'n/a' : `${(value * 100).toFixed(1)}%`;
}

/** The comparison as text: a confusion matrix, precision, recall. */
export function formatLabelComparison(comparison: LabelComparison): string[] {
  const cell = (value: number): string => String(value).padStart(10);
  return [
    '                     label: yes  label: no',
    `LLM filter: yes   ${cell(comparison.truePositives)} ${cell(comparison.falsePositives)}`,
    `LLM filter: no    ${cell(comparison.falseNegatives)} ${cell(comparison.trueNegatives)}`,
    `precision ${percent(comparison.precision)}   recall ${percent(comparison.recall)}   (${comparison.unjudged} labelled PR(s) not judged by the LLM filter)`,
  ];
}

import type { SourcePR } from '../core/records.js';
import { listPatchFiles } from '../edits/patch.js';
import type { AnswerEvaluation } from './model-step.js';
import { formatIssueText, truncateText } from './repository-context.js';

/** The six sections of a bug pattern, as the distill prompt names them. */
export const BUG_PATTERN_SECTIONS = ['Issue type', 'Core problem', 'Technical context', 'Symptoms', 'Root cause', 'Impact scope'] as const;

/** Placeholder values of the distill prompt. */
export function distillValues(source: SourcePR, language: string): Record<string, string> {
  return {
    language,
    issue_text: formatIssueText(source),
    pr_title: source.title,
    pr_body: truncateText(source.body.trim() || '(no description)', 4_000),
    pr_diff: truncateText(source.diff, 12_000),
  };
}

/**
 * Check a distilled bug pattern (pure): most sections present, and nothing that names the source project
 * (its `owner/name` or file paths from its diff), which would mislead the later steps.
 */
export function evaluateBugPattern(answer: string, source: SourcePR): AnswerEvaluation<string> {
  const text = stripOuterFence(answer.trim());
  const lower = text.toLowerCase();
  const missing = BUG_PATTERN_SECTIONS.filter((section) => !lower.includes(section.toLowerCase()));
  if (text.length < 80 || missing.length > 2) {
    return {
      ok: false,
      feedback: `The description lacks these sections: ${missing.join(', ')}. Write all six sections under their Markdown headings: ${BUG_PATTERN_SECTIONS.join(', ')}.`,
    };
  }
  const mentions: string[] = [];
  if (source.repo.includes('/') && lower.includes(source.repo.toLowerCase())) mentions.push(source.repo);
  for (const file of sourceFiles(source)) {
    const base = file.split('/').pop() ?? file;
    if (lower.includes(file.toLowerCase())) mentions.push(file);
    else if (base.length >= 6 && base.includes('.') && lower.includes(base.toLowerCase())) mentions.push(base);
  }
  if (mentions.length > 0) {
    return {
      ok: false,
      feedback: `The description names things from the original project: ${[...new Set(mentions)].join(', ')}. Describe the pattern without the project's name or file paths.`,
    };
  }
  return { ok: true, value: text, summary: `${text.split(/\s+/).length} words` };
}

function sourceFiles(source: SourcePR): string[] {
  try {
    return listPatchFiles(source.diff);
  } catch {
    return [];
  }
}

/** Drop a fence wrapped around the whole answer (```markdown ... ```). */
export function stripOuterFence(text: string): string {
  const match = /^(```|~~~)[\w-]*\n([\s\S]*?)\n\1\s*$/.exec(text);
  return match ? (match[2] ?? '').trim() : text;
}

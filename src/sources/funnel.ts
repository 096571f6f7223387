import type { Candidate } from '../core/records.js';
import { RULE_NAMES, type RuleName } from './rule-filter.js';

/** How many PRs each step let through or dropped, and why. */
export interface Funnel {
  seen: number;
  droppedByRule: Record<RuleName, number>;
  passedRules: number;
  /** PRs the LLM filter said no to. */
  rejectedByLlm: number;
  /** PRs whose LLM answer could not be read (recorded, not kept). */
  llmErrors: number;
  kept: number;
}

/** A funnel with every count at zero. */
export function createFunnel(): Funnel {
  return {
    seen: 0,
    droppedByRule: Object.fromEntries(RULE_NAMES.map((name) => [name, 0])) as Record<RuleName, number>,
    passedRules: 0,
    rejectedByLlm: 0,
    llmErrors: 0,
    kept: 0,
  };
}

/** Whether a candidate survived both filters (an LLM filter that did not run counts as passed). */
export function isKeptCandidate(candidate: Candidate): boolean {
  return candidate.ruleVerdict.kept && (candidate.llmVerdict === undefined || candidate.llmVerdict.kept);
}

/** Count one candidate into a funnel. */
export function addToFunnel(funnel: Funnel, candidate: Candidate): void {
  funnel.seen += 1;
  if (!candidate.ruleVerdict.kept) {
    const rule = candidate.ruleVerdict.reason as RuleName;
    if (rule in funnel.droppedByRule) funnel.droppedByRule[rule] += 1;
    return;
  }
  funnel.passedRules += 1;
  if (candidate.llmVerdict?.error !== undefined) funnel.llmErrors += 1;
  else if (candidate.llmVerdict && !candidate.llmVerdict.kept) funnel.rejectedByLlm += 1;
  if (isKeptCandidate(candidate)) funnel.kept += 1;
}

/** The funnel as aligned text lines, for the end of a run. */
export function formatFunnel(funnel: Funnel): string[] {
  const lines = [`PRs seen                ${String(funnel.seen).padStart(7)}`];
  for (const rule of RULE_NAMES) {
    const count = funnel.droppedByRule[rule];
    if (count > 0) lines.push(`  dropped: ${rule.padEnd(28)}${String(count).padStart(7)}`);
  }
  lines.push(`passed the rules        ${String(funnel.passedRules).padStart(7)}`);
  if (funnel.rejectedByLlm > 0) lines.push(`  rejected by LLM filter${String(funnel.rejectedByLlm).padStart(8)}`);
  if (funnel.llmErrors > 0) lines.push(`  LLM answer unreadable ${String(funnel.llmErrors).padStart(8)}`);
  lines.push(`kept                    ${String(funnel.kept).padStart(7)}`);
  return lines;
}

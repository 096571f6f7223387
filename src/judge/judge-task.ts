import type { ChatModel } from '../core/model.js';
import type { SourcePR, Task } from '../core/records.js';
import { loadPromptTemplate, renderPromptTemplate, type RenderedPrompt } from '../prompts/templates.js';
import { truncateText } from '../sources/gym-context.js';
import { CONSISTENCY_LEVELS, type ConsistencyLevel } from './consistency.js';

export const JUDGE_PROMPT = 'judge-faithfulness';

/** Limits on what goes into the prompt, in characters. */
const LIMITS = { body: 3_000, issue: 3_000, diff: 8_000, statement: 6_000, patch: 8_000 };

/** The judge's grade of one task, or why the answer could not be read. */
export type Judgement =
  | { kind: 'grade'; consistency: ConsistencyLevel; reason: string }
  | { kind: 'unreadable'; problem: string };

/** The judge's prompt for one task and its source PR. */
export function buildJudgePrompt(task: Task, source: SourcePR): RenderedPrompt {
  const issues = source.issues.length === 0 ? '(none linked)' : source.issues.map((issue) => `### #${issue.number}: ${issue.title}\n${truncateText(issue.body, LIMITS.issue)}`).join('\n\n');
  return renderPromptTemplate(loadPromptTemplate(JUDGE_PROMPT), {
    source_repo: source.repo,
    source_number: String(source.number),
    source_title: source.title,
    source_body: source.body.trim() === '' ? '(no description)' : truncateText(source.body, LIMITS.body),
    source_issues: issues,
    source_diff: truncateText(source.diff, LIMITS.diff),
    gym: task.gym,
    language: task.language,
    statement: truncateText(task.problemStatement, LIMITS.statement),
    fix_patch: truncateText(task.fixPatch, LIMITS.patch),
    test_patch: truncateText(task.testPatch, LIMITS.patch),
  });
}

function readLevel(value: unknown): ConsistencyLevel | undefined {
  if (typeof value !== 'string') return undefined;
  const word = value.trim().toLowerCase().replace(/[.!"]/g, '');
  if (word === 'consistent' || word === 'high consistency') return 'high';
  if (word === 'moderate consistency' || word === 'medium' || word === 'partial') return 'moderate';
  if (word === 'low' || word === 'not consistent' || word === 'inconsistency') return 'inconsistent';
  return (CONSISTENCY_LEVELS as readonly string[]).includes(word) ? (word as ConsistencyLevel) : undefined;
}

/** Read the judge's answer tolerantly: a JSON object (possibly fenced or with prose around it), else `Consistency: ...` / `Reason: ...` lines. */
export function parseJudgement(answer: string): Judgement {
  const start = answer.indexOf('{');
  const end = answer.lastIndexOf('}');
  if (start >= 0 && end > start) {
    try {
      const parsed = JSON.parse(answer.slice(start, end + 1)) as unknown;
      if (typeof parsed === 'object' && parsed !== null) {
        const record = parsed as Record<string, unknown>;
        const level = readLevel(record.consistency ?? record.grade ?? record.label ?? record.verdict);
        if (level) return { kind: 'grade', consistency: level, reason: typeof record.reason === 'string' ? record.reason.trim() : '' };
      }
    } catch {
      // Not JSON after all: try the line form below.
    }
  }
  const text = answer.replace(/\*\*|__/g, '');
  const levelLine = /^\s*(?:consistency|grade|label|verdict)\s*[:=]\s*(.+?)\s*$/im.exec(text);
  const reasonLine = /^\s*(?:reason|because|explanation)\s*[:=]\s*(.+)$/im.exec(text);
  const level = readLevel(levelLine?.[1]);
  if (level) return { kind: 'grade', consistency: level, reason: (reasonLine?.[1] ?? '').trim() };
  return { kind: 'unreadable', problem: `no consistency grade (high, moderate or inconsistent) found in ${JSON.stringify(answer.slice(0, 200))}` };
}

/** Ask the model to grade one task; a garbage answer is a recorded `unreadable` judgement, a failed call throws (the task is judged on a later run). */
export async function judgeTask(model: ChatModel, task: Task, source: SourcePR): Promise<Judgement & { promptVersion: number; model: string; costUsd: number }> {
  const prompt = buildJudgePrompt(task, source);
  const response = await model.complete({ messages: prompt.messages, temperature: 0, step: JUDGE_PROMPT });
  return { ...parseJudgement(response.texts[0] ?? ''), promptVersion: prompt.version, model: response.model, costUsd: response.costUsd };
}

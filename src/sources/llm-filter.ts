import type { ChatModel } from '../core/model.js';
import type { FilterVerdict, SourcePR } from '../core/records.js';
import { summarizeTestFiles, truncateText, type GymContext } from './gym-context.js';
import { loadPromptTemplate, renderPromptTemplate } from '../prompts/templates.js';
import { truncateDiff } from './truncate-diff.js';

export const MIRRORABILITY_PROMPT = 'filter-mirrorability';

/** Limits on what goes into the prompt, in characters. */
export interface MirrorabilityLimits {
  diff: number;
  body: number;
  issue: number;
  readme: number;
}

export const DEFAULT_MIRRORABILITY_LIMITS: MirrorabilityLimits = { diff: 12_000, body: 3_000, issue: 3_000, readme: 4_000 };

/** The model's answer, read tolerantly. */
export type MirrorabilityAnswer = { kind: 'answer'; mirrorable: boolean; reason: string } | { kind: 'unparseable'; problem: string };

const YES = /^(yes|y|true|mirrorable)$/i;
const NO = /^(no|n|false|not mirrorable)$/i;

function readBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const word = value.trim().replace(/[.!]$/, '');
    if (YES.test(word)) return true;
    if (NO.test(word)) return false;
  }
  return undefined;
}

function parseJsonAnswer(text: string): MirrorabilityAnswer | undefined {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end < start) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.slice(start, end + 1));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const record = parsed as Record<string, unknown>;
  const mirrorable = readBoolean(record.mirrorable ?? record.answer ?? record.decision ?? record.verdict);
  if (mirrorable === undefined) return undefined;
  const reason = typeof record.reason === 'string' ? record.reason.trim() : '';
  return { kind: 'answer', mirrorable, reason };
}

/** Parse a mirrorability answer: a JSON object, or `Answer: yes` / `Reason: ...` lines, or a bare leading yes/no. */
export function parseMirrorabilityAnswer(answer: string): MirrorabilityAnswer {
  const json = parseJsonAnswer(answer);
  if (json) return json;
  return parseLineAnswer(answer.replace(/\*\*|__/g, ''));
}

function parseLineAnswer(answer: string): MirrorabilityAnswer {
  const answerLine = /^\s*(?:answer|mirrorable|decision|verdict)\s*[:=]\s*([a-z ]+?)\s*[.!]?\s*$/im.exec(answer);
  const reasonLine = /^\s*(?:reason|because|explanation)\s*[:=]\s*(.+)$/im.exec(answer);
  const bare = /^\s*(yes|no)\b[\s,.:;-]*(.*)$/is.exec(answer);
  const word = answerLine?.[1] ?? bare?.[1];
  const mirrorable = word === undefined ? undefined : readBoolean(word);
  if (mirrorable === undefined) {
    return { kind: 'unparseable', problem: `no yes/no answer found in ${JSON.stringify(answer.slice(0, 200))}` };
  }
  const reason = (reasonLine?.[1] ?? (answerLine ? '' : (bare?.[2] ?? ''))).trim();
  return { kind: 'answer', mirrorable, reason };
}

function describeIssues(pr: SourcePR, limit: number): string {
  if (pr.issues.length === 0) return '(none linked)';
  return pr.issues.map((issue) => `### #${issue.number}: ${issue.title}\n${truncateText(issue.body, limit)}`).join('\n\n');
}

/** The chat messages of the mirrorability question for one PR and gym. */
export async function buildMirrorabilityMessages(pr: SourcePR, gym: GymContext, limits: MirrorabilityLimits = DEFAULT_MIRRORABILITY_LIMITS) {
  const prompt = loadPromptTemplate(MIRRORABILITY_PROMPT);
  const { messages } = renderPromptTemplate(prompt, {
    gymName: gym.name,
    gymLanguage: gym.language,
    gymReadme: gym.readme.trim() === '' ? '(no README available)' : truncateText(gym.readme, limits.readme),
    gymTests: summarizeTestFiles(gym.testFiles),
    repo: pr.repo,
    number: String(pr.number),
    title: pr.title,
    body: pr.body.trim() === '' ? '(no description)' : truncateText(pr.body, limits.body),
    issues: describeIssues(pr, limits.issue),
    diff: truncateDiff(pr.diff, limits.diff),
  });
  return { messages, promptVersion: prompt.version };
}

/** Ask the model whether a PR can be mirrored into the gym; a garbage answer becomes an error verdict, never an exception. */
export async function judgeMirrorability(model: ChatModel, pr: SourcePR, gym: GymContext, limits?: MirrorabilityLimits): Promise<FilterVerdict> {
  const { messages } = await buildMirrorabilityMessages(pr, gym, limits);
  // A failed call (network, auth) throws: the run stops and a rerun resumes; only a garbage answer is recorded.
  const response = await model.complete({ messages, temperature: 0, step: MIRRORABILITY_PROMPT });
  const text = response.texts[0] ?? '';
  const parsed = parseMirrorabilityAnswer(text);
  if (parsed.kind === 'unparseable') return { kept: false, reason: 'the model answer could not be read', error: parsed.problem };
  return { kept: parsed.mirrorable, reason: parsed.reason || (parsed.mirrorable ? 'yes (no reason given)' : 'no (no reason given)') };
}

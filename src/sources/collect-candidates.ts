import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { ChatModel } from '../core/model.js';
import { SweMirrorError } from '../core/errors.js';
import { RECORD_SCHEMA_VERSION, type Candidate } from '../core/records.js';
import { addToFunnel, createFunnel, type Funnel } from './funnel.js';
import type { GymContext } from './gym-context.js';
import { openJsonLinesAppender, readJsonLines } from './json-lines.js';
import { judgeMirrorability, type MirrorabilityLimits } from './llm-filter.js';
import { checkMetadataRules, createRuleFilter, DEFAULT_RULE_OPTIONS, type RuleOptions } from './rule-filter.js';
import type { PullRequestSource, SourceEvent } from './source.js';

export type CollectEvent =
  | SourceEvent
  | { type: 'resumed'; alreadyCollected: number; droppedTruncatedLine: boolean }
  | { type: 'candidate'; candidate: Candidate; funnel: Funnel };

export interface CollectCandidatesOptions {
  gym: GymContext;
  source: PullRequestSource;
  outputPath: string;
  rules?: Partial<RuleOptions>;
  /** The mirrorability judge; none skips the LLM filter. */
  llmFilter?: { model: ChatModel; limits?: MirrorabilityLimits };
  onEvent?: (event: CollectEvent) => void;
}

export interface CollectResult {
  /** What this run did. */
  run: Funnel;
  /** Everything in the output file, earlier runs included (plus this run's duplicates, which are not written). */
  total: Funnel;
  outputPath: string;
}

const storedCandidateSchema = z.looseObject({
  schemaVersion: z.number(),
  gym: z.string(),
  source: z.looseObject({ repo: z.string(), number: z.number() }),
  ruleVerdict: z.looseObject({ kept: z.boolean(), reason: z.string() }),
});

/** Read a candidates file written by collect; malformed lines are returned as problems, a cut-short last line is ignored. */
export async function readCandidates(filePath: string): Promise<{ candidates: Candidate[]; problems: string[]; hasTruncatedTail: boolean }> {
  const read = await readJsonLines(filePath);
  const candidates: Candidate[] = [];
  const problems = read.problems.map((problem) => `${filePath}:${problem.line}: ${problem.message}`);
  for (const row of read.rows) {
    const parsed = storedCandidateSchema.safeParse(row.value);
    if (parsed.success) candidates.push(parsed.data as unknown as Candidate);
    else problems.push(`${filePath}:${row.line}: not a candidate record`);
  }
  return { candidates, problems, hasTruncatedTail: read.hasTruncatedTail };
}

/**
 * Collect candidates from a source into an append-only JSONL file, one line per PR seen
 * (kept or dropped, with the verdicts). A rerun reads what the file already holds and skips it,
 * so a killed run continues without losing or duplicating anything.
 */
export async function collectCandidates(options: CollectCandidatesOptions): Promise<CollectResult> {
  const emit = options.onEvent ?? (() => {});
  const rules: RuleOptions = { ...DEFAULT_RULE_OPTIONS, ...options.rules };
  await mkdir(path.dirname(path.resolve(options.outputPath)), { recursive: true });
  const existing = await readJsonLines(options.outputPath);
  const { candidates } = await readCandidates(options.outputPath);
  const otherGym = candidates.find((candidate) => candidate.gym !== options.gym.name);
  if (otherGym) {
    throw new SweMirrorError({
      code: 'COLLECT_OUTPUT_OTHER_GYM',
      kind: 'user',
      message: `${options.outputPath} already holds candidates for gym "${otherGym.gym}", not "${options.gym.name}".`,
      hint: 'Use another --out file for this gym.',
    });
  }
  const filter = createRuleFilter(rules);
  const total = createFunnel();
  const previouslyCollected = new Set<string>();
  const keyOf = (repo: string, number: number): string => `${repo.toLowerCase()}#${number}`;
  for (const candidate of candidates) {
    previouslyCollected.add(keyOf(candidate.source.repo, candidate.source.number));
    addToFunnel(total, candidate);
  }
  if (candidates.length > 0 || existing.hasTruncatedTail) {
    emit({ type: 'resumed', alreadyCollected: candidates.length, droppedTruncatedLine: existing.hasTruncatedTail });
  }
  const run = createFunnel();
  const appender = await openJsonLinesAppender(options.outputPath, existing);
  try {
    const source = options.source.pullRequests({
      isCollected: (repo, number) => previouslyCollected.has(keyOf(repo, number)) || filter.hasSeen(repo, number),
      checkMetadata: (pr) => checkMetadataRules(pr, rules),
      onEvent: emit,
    });
    for await (const pr of source) {
      // Written by an earlier run: not seen again, not a duplicate.
      if (previouslyCollected.has(keyOf(pr.repo, pr.number))) continue;
      const ruleVerdict = filter.check(pr);
      if (ruleVerdict.reason === 'duplicate') {
        // Counted, never written: the output holds each (repo, number) once.
        run.seen += 1;
        run.droppedByRule.duplicate += 1;
        total.seen += 1;
        total.droppedByRule.duplicate += 1;
        continue;
      }
      const candidate: Candidate = { schemaVersion: RECORD_SCHEMA_VERSION, gym: options.gym.name, source: pr, ruleVerdict };
      if (ruleVerdict.kept && options.llmFilter) {
        candidate.llmVerdict = await judgeMirrorability(options.llmFilter.model, pr, options.gym, options.llmFilter.limits);
      }
      await appender.append(candidate);
      addToFunnel(run, candidate);
      addToFunnel(total, candidate);
      emit({ type: 'candidate', candidate, funnel: run });
    }
  } finally {
    await appender.close();
  }
  return { run, total, outputPath: options.outputPath };
}

import { access, constants } from 'node:fs/promises';
import { z } from 'zod';
import { RECORD_SCHEMA_VERSION, type LinkedIssue, type SourcePR } from '../core/records.js';
import { SweMirrorError } from '../core/errors.js';
import { readJsonLines, type JsonLineProblem } from './json-lines.js';
import type { PullRequestSource, SourceContext } from './source.js';

const issueSchema = z.object({ number: z.coerce.number().int().default(0), title: z.string().nullish(), body: z.string().nullish() });

/** SWE-bench rows: `repo`, `instance_id` ending in `-N`, `patch`, `test_patch`, `problem_statement`, `created_at`. */
const sweBenchRowSchema = z.object({
  repo: z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'repo must be owner/name'),
  instance_id: z.string().regex(/-\d+$/, 'instance_id must end in -<PR number>'),
  patch: z.string(),
  test_patch: z.string().nullish(),
  problem_statement: z.string().nullish(),
  created_at: z.string().nullish(),
  issue_numbers: z.array(z.coerce.number()).nullish(),
});

/** Multi-SWE-bench rows: `org`, `repo`, `number`, `fix_patch`, `test_patch`, `resolved_issues`, `title`, `body`. */
const multiSweBenchRowSchema = z.object({
  org: z.string().min(1),
  repo: z.string().min(1),
  number: z.coerce.number().int().positive(),
  fix_patch: z.string(),
  test_patch: z.string().nullish(),
  resolved_issues: z.array(issueSchema).nullish(),
  title: z.string().nullish(),
  body: z.string().nullish(),
});

export type JsonlRowShape = 'swe-bench' | 'multi-swe-bench';

function firstLine(text: string): string {
  const line = text.split('\n').find((candidate) => candidate.trim() !== '') ?? '';
  return line.trim().replace(/^#+\s*/, '').slice(0, 200);
}

/** Which dataset shape a row has, from its distinctive fields. */
export function detectRowShape(row: unknown): JsonlRowShape | undefined {
  if (typeof row !== 'object' || row === null) return undefined;
  if ('fix_patch' in row || 'org' in row) return 'multi-swe-bench';
  if ('instance_id' in row || 'patch' in row) return 'swe-bench';
  return undefined;
}

/** Turn one dataset row into a SourcePR, or explain why it cannot be one. */
export function rowToSourcePR(row: unknown): { pr: SourcePR } | { problem: string } {
  const shape = detectRowShape(row);
  if (shape === undefined) return { problem: 'neither a SWE-bench row (instance_id, patch) nor a Multi-SWE-bench row (org, number, fix_patch)' };
  if (shape === 'swe-bench') {
    const parsed = sweBenchRowSchema.safeParse(row);
    if (!parsed.success) return { problem: `SWE-bench row: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'row'}: ${issue.message}`).join('; ')}` };
    const data = parsed.data;
    const number = Number(/-(\d+)$/.exec(data.instance_id)?.[1]);
    const statement = data.problem_statement ?? '';
    const issues: LinkedIssue[] = statement.trim() === '' ? [] : [{ number: data.issue_numbers?.[0] ?? 0, title: firstLine(statement), body: statement }];
    return {
      pr: {
        schemaVersion: RECORD_SCHEMA_VERSION,
        repo: data.repo,
        number,
        title: firstLine(statement),
        body: '',
        issues,
        diff: data.patch,
        ...(data.test_patch ? { testPatch: data.test_patch } : {}),
        // Dataset rows are merged PRs by construction; created_at is the best date they carry.
        mergedAt: data.created_at ?? 'unknown',
        url: `https://github.com/${data.repo}/pull/${number}`,
        origin: 'jsonl',
      },
    };
  }
  const parsed = multiSweBenchRowSchema.safeParse(row);
  if (!parsed.success) return { problem: `Multi-SWE-bench row: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'row'}: ${issue.message}`).join('; ')}` };
  const data = parsed.data;
  const repo = `${data.org}/${data.repo}`;
  return {
    pr: {
      schemaVersion: RECORD_SCHEMA_VERSION,
      repo,
      number: data.number,
      title: data.title ?? '',
      body: data.body ?? '',
      issues: (data.resolved_issues ?? []).map((issue) => ({ number: issue.number, title: issue.title ?? '', body: issue.body ?? '' })),
      diff: data.fix_patch,
      ...(data.test_patch ? { testPatch: data.test_patch } : {}),
      mergedAt: 'unknown',
      url: `https://github.com/${repo}/pull/${data.number}`,
      origin: 'jsonl',
    },
  };
}

/** Read a dataset JSONL file into SourcePRs; bad lines are reported with their line number and skipped. */
export async function readJsonlPullRequests(filePath: string): Promise<{ pullRequests: SourcePR[]; problems: JsonLineProblem[] }> {
  // readJsonLines treats a missing file as empty (right for an output, wrong for an input).
  await access(filePath, constants.R_OK).catch((cause: unknown) => {
    throw new SweMirrorError({ code: 'JSONL_INPUT_UNREADABLE', kind: 'user', message: `Cannot read ${filePath}.`, hint: 'Pass an existing JSONL file with --input.', cause });
  });
  const read = await readJsonLines(filePath);
  const problems = [...read.problems];
  if (read.hasTruncatedTail) problems.push({ line: read.rows.length + read.problems.length + 1, message: 'last line is cut short' });
  const pullRequests: SourcePR[] = [];
  for (const row of read.rows) {
    const result = rowToSourcePR(row.value);
    if ('pr' in result) pullRequests.push(result.pr);
    else problems.push({ line: row.line, message: result.problem });
  }
  return { pullRequests, problems: problems.sort((left, right) => left.line - right.line) };
}

/** A source over a SWE-bench- or Multi-SWE-bench-style JSONL file (shape detected per row). */
export function createJsonlSource(filePath: string): PullRequestSource {
  return {
    name: 'jsonl',
    async *pullRequests(context: SourceContext) {
      const { pullRequests, problems } = await readJsonlPullRequests(filePath);
      for (const problem of problems) context.onEvent({ type: 'warning', message: `${filePath}:${problem.line}: skipped: ${problem.message}` });
      yield* pullRequests;
    },
  };
}

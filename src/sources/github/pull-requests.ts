import { z } from 'zod';
import type { Octokit } from 'octokit';
import type { LinkedIssue } from '../../core/records.js';

/** A closed pull request as listed by REST, before details are fetched. */
export interface ListedPullRequest {
  number: number;
  title: string;
  body: string;
  mergedAt: string | null;
  url: string;
}

const listedSchema = z.object({
  number: z.number(),
  title: z.string().default(''),
  body: z.string().nullable().optional(),
  merged_at: z.string().nullable().optional(),
  html_url: z.string().default(''),
});

export function splitRepositoryName(fullName: string): { owner: string; repo: string } {
  const [owner = '', repo = ''] = fullName.split('/');
  return { owner, repo };
}

/** Closed pull requests of a repository, newest first, one REST page (up to 100) at a time; stops after `limit` PRs. */
export async function* listClosedPullRequests(octokit: Octokit, fullName: string, limit: number, pageSize = 100): AsyncGenerator<ListedPullRequest[]> {
  let count = 0;
  const iterator = octokit.paginate.iterator('GET /repos/{owner}/{repo}/pulls', {
    ...splitRepositoryName(fullName),
    state: 'closed',
    sort: 'created',
    direction: 'desc',
    per_page: Math.min(pageSize, 100, Math.max(1, limit)),
  });
  for await (const page of iterator) {
    const listed: ListedPullRequest[] = [];
    for (const raw of page.data as unknown[]) {
      const parsed = listedSchema.safeParse(raw);
      if (!parsed.success) continue;
      listed.push({
        number: parsed.data.number,
        title: parsed.data.title,
        body: parsed.data.body ?? '',
        mergedAt: parsed.data.merged_at ?? null,
        url: parsed.data.html_url,
      });
      count += 1;
      if (count >= limit) break;
    }
    yield listed;
    if (count >= limit) return;
  }
}

const issueNodeSchema = z.object({ number: z.number(), title: z.string().default(''), body: z.string().nullable().optional() });
const connectionSchema = z.object({
  pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable().optional() }).optional(),
  nodes: z.array(z.unknown().nullable()).default([]),
});
const pullRequestNodeSchema = z.object({ number: z.number(), closingIssuesReferences: connectionSchema.nullable().optional() }).nullable();

const ISSUE_FIELDS = 'pageInfo { hasNextPage endCursor } nodes { number title body }';
const PAGE_SIZE = 25;

function readIssues(connection: z.infer<typeof connectionSchema> | null | undefined): LinkedIssue[] {
  const issues: LinkedIssue[] = [];
  for (const node of connection?.nodes ?? []) {
    const parsed = issueNodeSchema.safeParse(node);
    if (parsed.success) issues.push({ number: parsed.data.number, title: parsed.data.title, body: parsed.data.body ?? '' });
  }
  return issues;
}

/** The closing-issues query for a batch of PRs, one alias per PR (exported for the stand-in server's tests). */
export function buildClosingIssuesQuery(numbers: readonly number[]): string {
  const fields = numbers
    .map((number) => `    pr${number}: pullRequest(number: ${number}) { number closingIssuesReferences(first: ${PAGE_SIZE}) { ${ISSUE_FIELDS} } }`)
    .join('\n');
  return `query ClosingIssues($owner: String!, $name: String!) {\n  repository(owner: $owner, name: $name) {\n${fields}\n  }\n}`;
}

const FOLLOW_UP_QUERY = `query ClosingIssuesPage($owner: String!, $name: String!, $number: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) { number closingIssuesReferences(first: ${PAGE_SIZE}, after: $after) { ${ISSUE_FIELDS} } }
  }
}`;

/** The issues each PR closes, through GraphQL `closingIssuesReferences`: one query per batch of PRs, following pages where a PR closes many. */
export async function fetchClosingIssues(octokit: Octokit, fullName: string, numbers: readonly number[]): Promise<Map<number, LinkedIssue[]>> {
  const { owner, repo } = splitRepositoryName(fullName);
  const result = new Map<number, LinkedIssue[]>();
  for (let start = 0; start < numbers.length; start += 50) {
    const batch = numbers.slice(start, start + 50);
    const data = await octokit.graphql<{ repository: Record<string, unknown> | null }>(buildClosingIssuesQuery(batch), { owner, name: repo });
    for (const number of batch) {
      const node = pullRequestNodeSchema.safeParse(data.repository?.[`pr${number}`] ?? null);
      const connection = node.success ? node.data?.closingIssuesReferences : undefined;
      const issues = readIssues(connection);
      let pageInfo = connection?.pageInfo;
      while (pageInfo?.hasNextPage && pageInfo.endCursor) {
        const page = await octokit.graphql<{ repository: { pullRequest: unknown } | null }>(FOLLOW_UP_QUERY, {
          owner,
          name: repo,
          number,
          after: pageInfo.endCursor,
        });
        const next = pullRequestNodeSchema.safeParse(page.repository?.pullRequest ?? null);
        const nextConnection = next.success ? next.data?.closingIssuesReferences : undefined;
        issues.push(...readIssues(nextConnection));
        pageInfo = nextConnection?.pageInfo;
      }
      result.set(number, issues);
    }
  }
  return result;
}

const commitSchema = z.object({ commit: z.object({ message: z.string().default('') }) });

/** Commit messages of a PR (first 100 commits), for the "fixes #N" fallback. */
export async function fetchCommitMessages(octokit: Octokit, fullName: string, number: number): Promise<string[]> {
  const response = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/commits', {
    ...splitRepositoryName(fullName),
    pull_number: number,
    per_page: 100,
  });
  const messages: string[] = [];
  for (const raw of response.data as unknown[]) {
    const parsed = commitSchema.safeParse(raw);
    if (parsed.success) messages.push(parsed.data.commit.message);
  }
  return messages;
}

const issueSchema = z.object({
  number: z.number(),
  title: z.string().default(''),
  body: z.string().nullable().optional(),
  pull_request: z.unknown().optional(),
});

/** An issue's title and body; undefined when it does not exist or is itself a pull request. */
export async function fetchIssue(octokit: Octokit, fullName: string, number: number): Promise<LinkedIssue | undefined> {
  try {
    const response = await octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', { ...splitRepositoryName(fullName), issue_number: number });
    const parsed = issueSchema.safeParse(response.data);
    if (!parsed.success || parsed.data.pull_request) return undefined;
    return { number: parsed.data.number, title: parsed.data.title, body: parsed.data.body ?? '' };
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 404 || status === 410) return undefined;
    throw error;
  }
}

/** The PR's unified diff (`application/vnd.github.diff`); empty when GitHub refuses to render it (too large). */
export async function fetchPullRequestDiff(octokit: Octokit, fullName: string, number: number): Promise<string> {
  try {
    const response = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
      ...splitRepositoryName(fullName),
      pull_number: number,
      mediaType: { format: 'diff' },
    });
    return typeof response.data === 'string' ? response.data : '';
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 406 || status === 422) return '';
    throw error;
  }
}

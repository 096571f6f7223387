import type { ChatModel } from '../../core/model.js';
import { SweMirrorError } from '../../core/errors.js';
import { RECORD_SCHEMA_VERSION, type LinkedIssue, type SourcePR } from '../../core/records.js';
import type { GymContext } from '../gym-context.js';
import { findClosingReferences } from '../issue-references.js';
import { proposeKeywords } from '../keywords.js';
import type { PullRequestSource, SourceContext } from '../source.js';
import { createCheckpoint, readCheckpoint, writeCheckpoint, type GitHubCheckpoint } from './checkpoint.js';
import type { GitHubClient } from './client.js';
import { fetchClosingIssues, fetchCommitMessages, fetchIssue, fetchPullRequestDiff, listClosedPullRequests, type ListedPullRequest } from './pull-requests.js';
import { buildSearchQuery, gitHubRepositoryName, searchRepositories } from './repository-search.js';

export interface GitHubSourceOptions {
  client: GitHubClient;
  gym: GymContext;
  /** Proposes the search keywords from the gym README; not needed when `query` is given. */
  model?: ChatModel;
  /** A search query of your own instead of model keywords. */
  query?: string;
  language?: string;
  /** Repositories to collect from (default 20). */
  maxRepositories?: number;
  /** Closed PRs examined per repository, newest first (default 100). */
  maxPullRequestsPerRepository?: number;
  /** Where progress is kept (`<out>.progress.json`); none means no resume across runs. */
  checkpointPath?: string;
  /** PRs per REST page (default 100, GitHub's maximum). */
  pageSize?: number;
  /** Linked issues fetched per PR when they come from "fixes #N" text (default 5). */
  maxIssuesPerPullRequest?: number;
}

function isNotFound(error: unknown): boolean {
  const status = (error as { status?: number }).status;
  return status === 404 || status === 451;
}

/** The GitHub source: keywords → repository search → merged PRs with the issues they close, resumable per repository. */
export function createGitHubSource(options: GitHubSourceOptions): PullRequestSource {
  const { octokit } = options.client;
  const maxIssues = options.maxIssuesPerPullRequest ?? 5;

  async function settleRepositories(context: SourceContext): Promise<GitHubCheckpoint> {
    const existing = options.checkpointPath ? await readCheckpoint(options.checkpointPath, options.gym.name) : undefined;
    if (existing) {
      context.onEvent({ type: 'repositories', repositories: existing.repositories, resumed: true });
      return existing;
    }
    let keywords: string[] = [];
    let query: string;
    if (options.query) {
      query = options.language && !/\blanguage:/.test(options.query) ? `${options.query} language:${options.language}` : options.query;
    } else {
      if (!options.model) {
        throw new SweMirrorError({
          code: 'COLLECT_NEEDS_MODEL_OR_QUERY',
          kind: 'user',
          message: 'The GitHub source needs a model to propose search keywords, or a query.',
          hint: 'Pass --model (e.g. openai:gpt-4o-mini) or --query "keyword OR keyword".',
        });
      }
      keywords = await proposeKeywords(options.model, options.gym);
      query = buildSearchQuery(keywords, options.language);
    }
    context.onEvent({ type: 'keywords', keywords, query });
    const ownRepository = gitHubRepositoryName(options.gym.repositoryUrl);
    const found = await searchRepositories(octokit, {
      query,
      maxRepositories: options.maxRepositories ?? 20,
      excluded: ownRepository ? [ownRepository] : [],
    });
    const checkpoint = createCheckpoint(options.gym.name, query, keywords, found.map((repository) => repository.fullName));
    if (options.checkpointPath) await writeCheckpoint(options.checkpointPath, checkpoint);
    context.onEvent({ type: 'repositories', repositories: checkpoint.repositories, resumed: false });
    return checkpoint;
  }

  async function linkIssues(repo: string, listed: ListedPullRequest, closing: LinkedIssue[] | undefined, context: SourceContext): Promise<LinkedIssue[]> {
    if (closing && closing.length > 0) return closing;
    let numbers = findClosingReferences(`${listed.title}\n${listed.body}`, repo);
    if (numbers.length === 0) {
      const messages = await fetchCommitMessages(octokit, repo, listed.number);
      numbers = findClosingReferences(messages.join('\n'), repo);
    }
    const issues: LinkedIssue[] = [];
    for (const number of numbers.slice(0, maxIssues)) {
      const issue = await fetchIssue(octokit, repo, number);
      if (issue) issues.push(issue);
    }
    if (numbers.length > maxIssues) context.onEvent({ type: 'warning', message: `${repo}#${listed.number} references ${numbers.length} issues; kept the first ${maxIssues}` });
    return issues;
  }

  async function* collectRepository(repo: string, context: SourceContext, closingWorks: { value: boolean }): AsyncGenerator<SourcePR> {
    for await (const page of listClosedPullRequests(octokit, repo, options.maxPullRequestsPerRepository ?? 100, options.pageSize)) {
      const pending = page.filter((listed) => !context.isCollected(repo, listed.number));
      const merged = pending.filter((listed) => listed.mergedAt !== null).map((listed) => listed.number);
      let closing = new Map<number, LinkedIssue[]>();
      if (closingWorks.value && merged.length > 0) {
        try {
          closing = await fetchClosingIssues(octokit, repo, merged);
        } catch (error) {
          if (isNotFound(error)) throw error;
          // Older GitHub Enterprise servers lack closingIssuesReferences: fall back to "fixes #N" text for the rest of the run.
          closingWorks.value = false;
          context.onEvent({ type: 'warning', message: `GraphQL closingIssuesReferences failed (${(error as Error).message}); using "fixes #N" references only` });
        }
      }
      for (const listed of pending) {
        const pr: SourcePR = {
          schemaVersion: RECORD_SCHEMA_VERSION,
          repo,
          number: listed.number,
          title: listed.title,
          body: listed.body,
          issues: [],
          diff: '',
          mergedAt: listed.mergedAt,
          url: listed.url || `https://github.com/${repo}/pull/${listed.number}`,
          origin: 'github',
        };
        if (pr.mergedAt !== null) {
          pr.issues = await linkIssues(repo, listed, closing.get(listed.number), context);
          if (context.checkMetadata(pr).kept) pr.diff = await fetchPullRequestDiff(octokit, repo, listed.number);
        }
        yield pr;
      }
    }
  }

  return {
    name: 'github',
    async *pullRequests(context: SourceContext) {
      const checkpoint = await settleRepositories(context);
      const total = checkpoint.repositories.length;
      const closingWorks = { value: true };
      for (const [index, repo] of checkpoint.repositories.entries()) {
        if (checkpoint.completedRepositories.includes(repo)) continue;
        context.onEvent({ type: 'repository-start', repo, index, total });
        try {
          yield* collectRepository(repo, context, closingWorks);
        } catch (error) {
          if (!isNotFound(error)) throw error;
          context.onEvent({ type: 'repository-skipped', repo, reason: 'not found (deleted, renamed or private)' });
        }
        // Reached only after the collector has written every PR of this repository.
        checkpoint.completedRepositories.push(repo);
        if (options.checkpointPath) await writeCheckpoint(options.checkpointPath, checkpoint);
        context.onEvent({ type: 'repository-done', repo, index, total });
      }
    },
  };
}

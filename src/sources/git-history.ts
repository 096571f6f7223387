import path from 'node:path';
import { SweMirrorError } from '../core/errors.js';
import { runGit } from '../core/git.js';
import { RECORD_SCHEMA_VERSION, type SourcePR } from '../core/records.js';
import { gitHubRepositoryName } from './github/repository-search.js';
import { findClosingReferences, findPullRequestNumber } from './issue-references.js';
import type { PullRequestSource, SourceContext } from './source.js';

function git(directory: string, args: string[]): Promise<string> {
  return runGit(directory, args);
}

/** A commit on the first-parent history that names a PR. */
export interface PullRequestCommit {
  sha: string;
  parents: string[];
  committedAt: string;
  number: number;
  style: 'merge' | 'squash';
  title: string;
  body: string;
  /** Messages of the commits a merge brought in (empty for squash commits). */
  mergedMessages: string[];
}

const FIELD = '\x1f';
const RECORD = '\x1e';

/** Find merge commits ("Merge pull request #N from ...") and squash commits ("Title (#N)") on the first-parent history of `revision`. */
export async function listPullRequestCommits(directory: string, options: { revision?: string; limit?: number } = {}): Promise<PullRequestCommit[]> {
  const output = await git(directory, ['log', '--first-parent', `--format=%H${FIELD}%P${FIELD}%cI${FIELD}%s${FIELD}%b${RECORD}`, options.revision ?? 'HEAD']);
  const commits: PullRequestCommit[] = [];
  for (const record of output.split(RECORD)) {
    const [sha = '', parents = '', committedAt = '', subject = '', rawBody = ''] = record.replace(/^\n/, '').split(FIELD);
    if (sha === '') continue;
    const pullRequest = findPullRequestNumber(subject);
    if (!pullRequest) continue;
    const parentList = parents.split(' ').filter((parent) => parent !== '');
    const body = rawBody.trim();
    let title = subject.replace(/\s*\(#\d+\)\s*$/, '').trim();
    let description = body;
    let mergedMessages: string[] = [];
    if (pullRequest.style === 'merge') {
      // GitHub's merge message: subject "Merge pull request #N from branch", then a blank line and the PR title.
      const [firstLine = '', ...rest] = body.split('\n');
      title = firstLine.trim() || subject;
      description = rest.join('\n').trim();
      if (parentList.length > 1) {
        mergedMessages = (await git(directory, ['log', `--format=%B${RECORD}`, `${parentList[0]}..${sha}`]))
          .split(RECORD)
          .map((message) => message.trim())
          .filter((message) => message !== '');
      }
    }
    commits.push({ sha, parents: parentList, committedAt, number: pullRequest.number, style: pullRequest.style, title, body: description, mergedMessages });
    if (options.limit !== undefined && commits.length >= options.limit) break;
  }
  return commits;
}

/** The change a PR commit made: against the first parent (the mainline) for merges and squashes alike; a root commit against nothing. */
export async function readCommitDiff(directory: string, commit: Pick<PullRequestCommit, 'sha' | 'parents'>): Promise<string> {
  const parent = commit.parents[0];
  if (parent === undefined) return git(directory, ['show', '--format=', '--no-color', '--no-ext-diff', commit.sha]);
  return git(directory, ['diff', '--no-color', '--no-ext-diff', parent, commit.sha]);
}

/** Name the repository: an explicit name, else owner/name of a GitHub `origin` remote, else the directory name. */
export async function resolveRepositoryName(directory: string, explicit?: string): Promise<{ name: string; webUrl?: string }> {
  if (explicit) return { name: explicit };
  const remote = (await git(directory, ['remote', 'get-url', 'origin']).catch(() => '')).trim();
  const fromRemote = gitHubRepositoryName(remote);
  if (fromRemote) return { name: fromRemote, webUrl: `https://github.com/${fromRemote}` };
  return { name: path.basename(path.resolve(directory)) };
}

export interface GitHistorySourceOptions {
  directory: string;
  revision?: string;
  /** `owner/name` to record; default from the origin remote or the directory name. */
  repositoryName?: string;
  maxPullRequests?: number;
}

/** A source over a local clone's history; needs no network. Issue titles and bodies are unknown offline, so linked issues carry only numbers. */
export function createGitHistorySource(options: GitHistorySourceOptions): PullRequestSource {
  return {
    name: 'git',
    async *pullRequests(context: SourceContext) {
      await git(options.directory, ['rev-parse', '--git-dir']).catch((cause: unknown) => {
        throw new SweMirrorError({
          code: 'GIT_SOURCE_NOT_A_REPOSITORY',
          kind: 'user',
          message: `${options.directory} is not a git repository.`,
          hint: 'Pass the path of a local clone with --repo.',
          cause,
        });
      });
      const { name, webUrl } = await resolveRepositoryName(options.directory, options.repositoryName);
      const commits = await listPullRequestCommits(options.directory, { revision: options.revision, limit: options.maxPullRequests });
      for (const commit of commits) {
        if (context.isCollected(name, commit.number)) continue;
        const text = [commit.title, commit.body, ...commit.mergedMessages].join('\n');
        const issues = findClosingReferences(text, name).map((number) => ({ number, title: '', body: '' }));
        const pr: SourcePR = {
          schemaVersion: RECORD_SCHEMA_VERSION,
          repo: name,
          number: commit.number,
          title: commit.title,
          body: commit.body,
          issues,
          diff: '',
          mergedAt: commit.committedAt,
          url: webUrl ? `${webUrl}/pull/${commit.number}` : `git:${path.resolve(options.directory)}@${commit.sha}`,
          origin: 'git',
        };
        if (context.checkMetadata(pr).kept) pr.diff = await readCommitDiff(options.directory, commit);
        yield pr;
      }
    },
  };
}

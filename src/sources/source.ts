import type { FilterVerdict, SourcePR } from '../core/records.js';

/** Progress and notices from a source, for the CLI's reporter. */
export type SourceEvent =
  | { type: 'keywords'; keywords: string[]; query: string }
  | { type: 'repositories'; repositories: string[]; resumed: boolean }
  | { type: 'repository-start'; repo: string; index: number; total: number }
  | { type: 'repository-done'; repo: string; index: number; total: number }
  | { type: 'repository-skipped'; repo: string; reason: string }
  | { type: 'warning'; message: string };

/** What the collector offers a source while it iterates. */
export interface SourceContext {
  /** True when (repo, number) already has a line in the output: the source may skip fetching it. */
  isCollected(repo: string, number: number): boolean;
  /** The rules that need no diff; a source may skip fetching the diff of a PR they drop. */
  checkMetadata(pr: Pick<SourcePR, 'mergedAt' | 'issues'>): FilterVerdict;
  onEvent(event: SourceEvent): void;
}

/** A place pull requests come from: GitHub, a JSONL dataset, a git history. */
export interface PullRequestSource {
  readonly name: SourcePR['origin'];
  /** Yield PRs in a stable order; the collector writes each before asking for the next, so a source may checkpoint after a yield returns. */
  pullRequests(context: SourceContext): AsyncIterable<SourcePR>;
}

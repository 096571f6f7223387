import type { FilterVerdict, SourcePR } from '../core/records.js';
import { hasInlineTests, splitHunksWithoutSource } from '../test-code/test-code.js';
import { splitDiffSections } from './diff-files.js';
import { classifyFile, type FileKind } from './file-kinds.js';

/** Stable names of the rules, in the order they are checked; users grep for these. */
export const RULE_NAMES = [
  'duplicate',
  'not-merged',
  'no-linked-issue',
  'empty-diff',
  'only-docs-ci-lock-or-tests',
  'no-known-language-code',
  'too-many-code-files',
  'too-many-files',
  'too-many-changed-lines',
] as const;
export type RuleName = (typeof RULE_NAMES)[number];

/** Size bounds and switches of the rule filter; defaults in DEFAULT_RULE_OPTIONS. */
export interface RuleOptions {
  /** Drop PRs that close no issue (default true; the JSONL and git sources may relax it). */
  requireIssue: boolean;
  /** Most code (non-test) files a PR may change. */
  maxCodeFiles: number;
  /** Most files of any kind a PR may change. */
  maxFiles: number;
  /** Most added + removed lines in code (non-test) files. */
  maxChangedCodeLines: number;
}

export const DEFAULT_RULE_OPTIONS: RuleOptions = {
  requireIssue: true,
  maxCodeFiles: 10,
  maxFiles: 30,
  maxChangedCodeLines: 500,
};

const KEPT: FilterVerdict = { kept: true, reason: 'passed' };

function drop(rule: RuleName, detail: string): FilterVerdict {
  return { kept: false, reason: rule, detail };
}

/** The rules that need no diff: merged and linked issue. Lets the GitHub source skip fetching a diff it would drop. */
export function checkMetadataRules(pr: Pick<SourcePR, 'mergedAt' | 'issues'>, options: RuleOptions): FilterVerdict {
  if (!pr.mergedAt) return drop('not-merged', 'the pull request was closed without merging');
  if (options.requireIssue && pr.issues.length === 0) return drop('no-linked-issue', 'no closing issue reference found');
  return KEPT;
}

/** The rules over the diff: code files of a known language, not docs/CI/locks/tests only, size bounds. */
export function checkDiffRules(diff: string, options: RuleOptions): FilterVerdict {
  const files = splitDiffSections(diff);
  if (files.length === 0) return drop('empty-diff', 'the diff touches no files');
  const counts: Record<FileKind, number> = { code: 0, test: 0, docs: 0, ci: 0, lock: 0, other: 0 };
  let changedCodeLines = 0;
  for (const file of files) {
    let kind = classifyFile(file.path);
    let codeLines = file.added + file.removed;
    // A Rust file's #[cfg(test)] hunks are test code (the same rule as the mirror and verify stages, read from the diff alone).
    if (kind === 'code' && hasInlineTests(file.path) && file.hunks.length > 0) {
      const split = splitHunksWithoutSource(file.hunks);
      codeLines = split.sourceLines;
      if (split.sourceLines === 0 && split.testLines > 0) kind = 'test';
    }
    counts[kind] += 1;
    if (kind === 'code') changedCodeLines += codeLines;
  }
  if (counts.code === 0) {
    const kinds = (Object.keys(counts) as FileKind[]).filter((kind) => counts[kind] > 0);
    if (counts.other === 0) return drop('only-docs-ci-lock-or-tests', `only ${kinds.join(', ')} files changed`);
    return drop('no-known-language-code', `no source file of a known language among ${files.length} changed files`);
  }
  if (counts.code > options.maxCodeFiles) {
    return drop('too-many-code-files', `${counts.code} code files changed (max ${options.maxCodeFiles})`);
  }
  if (files.length > options.maxFiles) return drop('too-many-files', `${files.length} files changed (max ${options.maxFiles})`);
  if (changedCodeLines > options.maxChangedCodeLines) {
    return drop('too-many-changed-lines', `${changedCodeLines} code lines changed (max ${options.maxChangedCodeLines})`);
  }
  return KEPT;
}

/** Stateful rule filter: remembers (repo, number) pairs it has seen, for the duplicate rule. */
export interface RuleFilter {
  check(pr: SourcePR): FilterVerdict;
  /** Mark a PR as seen without checking it (e.g. already in the output of an earlier run). */
  remember(repo: string, number: number): void;
  hasSeen(repo: string, number: number): boolean;
}

/** Build a rule filter; every check is pure apart from the duplicate memory. */
export function createRuleFilter(options: Partial<RuleOptions> = {}): RuleFilter {
  const resolved: RuleOptions = { ...DEFAULT_RULE_OPTIONS, ...options };
  const seen = new Set<string>();
  const key = (repo: string, number: number): string => `${repo.toLowerCase()}#${number}`;
  return {
    check(pr) {
      const id = key(pr.repo, pr.number);
      if (seen.has(id)) return drop('duplicate', `${pr.repo}#${pr.number} was already collected`);
      seen.add(id);
      const metadata = checkMetadataRules(pr, resolved);
      if (!metadata.kept) return metadata;
      return checkDiffRules(pr.diff, resolved);
    },
    remember(repo, number) {
      seen.add(key(repo, number));
    },
    hasSeen(repo, number) {
      return seen.has(key(repo, number));
    },
  };
}

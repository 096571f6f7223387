import { describe, expect, it } from 'vitest';
import { parseJsonLines } from '../../src/sources/json-lines.js';
import { findClosingReferences, findPullRequestNumber } from '../../src/sources/issue-references.js';
import { parseKeywords } from '../../src/sources/keywords.js';
import { parseMirrorabilityAnswer } from '../../src/sources/llm-filter.js';
import { truncateDiff } from '../../src/sources/truncate-diff.js';
import { buildSearchQuery, gitHubRepositoryName, rankRepositories } from '../../src/sources/github/repository-search.js';

describe('closing references', () => {
  it('finds fixes/closes/resolves in their forms, once each, same repo only', () => {
    const text = 'Fixes #12. Also closes acme/tool#13, resolved: #14, fix https://github.com/acme/tool/issues/15; fixes other/repo#99; see #16; Fixes #12';
    expect(findClosingReferences(text, 'acme/tool')).toEqual([12, 13, 14, 15]);
    expect(findClosingReferences('prefixes #3 and suffixes', 'a/b')).toEqual([]);
  });

  it('reads PR numbers from merge and squash subjects', () => {
    expect(findPullRequestNumber('Merge pull request #123 from someone/branch')).toEqual({ number: 123, style: 'merge' });
    expect(findPullRequestNumber('Fix parsing of ranges (#45)')).toEqual({ number: 45, style: 'squash' });
    expect(findPullRequestNumber('Fix #45 in parser')).toBeUndefined();
  });
});

describe('keyword answers', () => {
  const expected = ['semantic versioning', 'version parsing', 'ranges'];
  it.each([
    ['JSON list', '["semantic versioning", "version parsing", "ranges"]'],
    ['Python list', "['semantic versioning', 'version parsing', 'ranges']"],
    ['fenced block', 'Sure!\n```json\n["semantic versioning","version parsing","ranges"]\n```\nHope it helps.'],
    ['bullets', 'Keywords:\n- semantic versioning\n- **version parsing**\n* ranges'],
    ['numbered lines', '1. semantic versioning\n2. version parsing\n3) ranges'],
    ['comma line', 'semantic versioning, version parsing, ranges'],
  ])('reads a %s', (_shape, answer) => {
    expect(parseKeywords(answer)).toEqual(expected);
  });

  it('keeps five at most, without repeats, and nothing from prose', () => {
    expect(parseKeywords('["a","b","A","c","d","e","f"]')).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(parseKeywords('I cannot help with that.\nSorry.')).toEqual([]);
  });
});

describe('mirrorability answers', () => {
  it.each([
    ['{"mirrorable": true, "reason": "same parser bug"}', true, 'same parser bug'],
    ['```json\n{"mirrorable": "no", "reason": "docs only"}\n```', false, 'docs only'],
    ['Answer: yes\nReason: the gym parses versions too', true, 'the gym parses versions too'],
    ['**Answer:** No.\n**Reason:** dependency bump', false, 'dependency bump'],
    ['Yes - it is a real logic bug.', true, 'it is a real logic bug.'],
  ])('reads %j', (answer, mirrorable, reason) => {
    expect(parseMirrorabilityAnswer(answer)).toEqual({ kind: 'answer', mirrorable, reason });
  });

  it('calls garbage unparseable', () => {
    expect(parseMirrorabilityAnswer('The weather is nice.').kind).toBe('unparseable');
    expect(parseMirrorabilityAnswer('{"mirrorable": "maybe"}').kind).toBe('unparseable');
  });
});

describe('diff truncation', () => {
  it('keeps whole hunks and says what it left out', () => {
    const hunk = (index: number) => [`@@ -${index * 10},2 +${index * 10},2 @@`, ` context ${index}`, `-old ${index} ${'x'.repeat(80)}`, `+new ${index} ${'y'.repeat(80)}`].join('\n');
    const diff = ['diff --git a/a.py b/a.py', '--- a/a.py', '+++ b/a.py', hunk(1), hunk(2), 'diff --git a/b.py b/b.py', '--- a/b.py', '+++ b/b.py', hunk(3)].join('\n');
    const cut = truncateDiff(diff, 300);
    expect(cut.length).toBeLessThan(diff.length);
    expect(cut).toContain('-old 1');
    expect(cut).toContain('+new 1');
    expect(cut).not.toContain('-old 2');
    expect(cut).toMatch(/hunk\(s\) left out/);
    expect(cut).toMatch(/files not shown: b\.py/);
    expect(truncateDiff(diff, 100_000)).toBe(diff);
  });
});

describe('JSONL reading', () => {
  it('reports a bad middle line and drops a cut-short last line', () => {
    const result = parseJsonLines('{"a":1}\n{bad\n{"b":2}\n{"c":');
    expect(result.rows.map((row) => row.line)).toEqual([1, 3]);
    expect(result.problems).toEqual([{ line: 2, message: expect.stringContaining('not valid JSON') }]);
    expect(result.hasTruncatedTail).toBe(true);
    expect(result.completeBytes).toBe('{"a":1}\n{bad\n{"b":2}\n'.length);
  });
});

describe('repository search helpers', () => {
  it('builds an OR query with a language qualifier', () => {
    expect(buildSearchQuery(['yaml parser', 'schema'], 'go')).toBe('"yaml parser" OR schema language:go');
  });

  it('ranks by stars and open issues together', () => {
    const ranked = rankRepositories([
      { fullName: 'a/stars-only', stars: 10_000, openIssues: 0, language: null, htmlUrl: '' },
      { fullName: 'b/both', stars: 2_000, openIssues: 300, language: null, htmlUrl: '' },
      { fullName: 'c/small', stars: 10, openIssues: 2, language: null, htmlUrl: '' },
    ]);
    expect(ranked.map((repository) => repository.fullName)).toEqual(['b/both', 'a/stars-only', 'c/small']);
  });

  it('reads owner/name from GitHub URLs', () => {
    expect(gitHubRepositoryName('https://github.com/acme/tool.git')).toBe('acme/tool');
    expect(gitHubRepositoryName('git@github.com:acme/tool.git')).toBe('acme/tool');
    expect(gitHubRepositoryName('https://gitlab.com/acme/tool')).toBeUndefined();
  });
});

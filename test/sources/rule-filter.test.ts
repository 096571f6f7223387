import { describe, expect, it } from 'vitest';
import { RECORD_SCHEMA_VERSION, type SourcePR } from '../../src/core/records.js';
import { listDiffFiles } from '../../src/sources/diff-files.js';
import { classifyFile } from '../../src/sources/file-kinds.js';
import { createRuleFilter, RULE_NAMES } from '../../src/sources/rule-filter.js';
import { codeDiff } from './helpers.js';

function pr(overrides: Partial<SourcePR> = {}): SourcePR {
  return {
    schemaVersion: RECORD_SCHEMA_VERSION,
    repo: 'acme/tool',
    number: 1,
    title: 'Fix',
    body: '',
    issues: [{ number: 9, title: 'Bug', body: 'broken' }],
    diff: codeDiff('src/tool/core.py'),
    mergedAt: '2024-01-01T00:00:00Z',
    url: 'https://github.com/acme/tool/pull/1',
    origin: 'github',
    ...overrides,
  };
}

function diffOf(files: Record<string, number>): string {
  return Object.entries(files)
    .map(([file, lines]) => {
      const added = Array.from({ length: lines }, (_, index) => `+line ${index}`);
      return [`diff --git a/${file} b/${file}`, `--- a/${file}`, `+++ b/${file}`, `@@ -1,0 +1,${lines} @@`, ...added].join('\n');
    })
    .join('\n');
}

describe('rule filter', () => {
  it('keeps a merged code fix that closes an issue', () => {
    expect(createRuleFilter().check(pr())).toEqual({ kept: true, reason: 'passed' });
  });

  it.each([
    ['not-merged', pr({ mergedAt: null })],
    ['no-linked-issue', pr({ issues: [] })],
    ['empty-diff', pr({ diff: '' })],
    ['only-docs-ci-lock-or-tests', pr({ diff: diffOf({ 'README.md': 2, '.github/workflows/ci.yml': 1, 'package-lock.json': 5, 'tests/test_core.py': 3 }) })],
    ['no-known-language-code', pr({ diff: diffOf({ 'config/settings.yaml': 2, 'logo.svg': 1 }) })],
    ['too-many-code-files', pr({ diff: diffOf(Object.fromEntries(Array.from({ length: 11 }, (_, index) => [`src/module_${index}.py`, 1]))) })],
    ['too-many-files', pr({ diff: diffOf({ 'src/a.py': 1, ...Object.fromEntries(Array.from({ length: 30 }, (_, index) => [`tests/test_${index}.py`, 1])) }) })],
    ['too-many-changed-lines', pr({ diff: diffOf({ 'src/a.py': 300, 'src/b.py': 201 }) })],
  ])('drops by rule %s, with an explanation', (rule, input) => {
    const verdict = createRuleFilter().check(input);
    expect(verdict.kept).toBe(false);
    expect(verdict.reason).toBe(rule);
    expect(verdict.detail).toBeTruthy();
    expect(RULE_NAMES).toContain(rule);
  });

  it('does not count test lines against the size bound, and honours configured bounds', () => {
    const diff = diffOf({ 'src/a.py': 100, 'tests/test_a.py': 900 });
    expect(createRuleFilter().check(pr({ diff })).kept).toBe(true);
    expect(createRuleFilter({ maxChangedCodeLines: 99 }).check(pr({ diff })).reason).toBe('too-many-changed-lines');
  });

  it('drops the second sighting of the same (repo, number), case-insensitively', () => {
    const filter = createRuleFilter();
    expect(filter.check(pr()).kept).toBe(true);
    expect(filter.check(pr({ repo: 'ACME/Tool' })).reason).toBe('duplicate');
    expect(filter.check(pr({ number: 2 })).kept).toBe(true);
  });

  it('keeps PRs without an issue when requireIssue is off', () => {
    expect(createRuleFilter({ requireIssue: false }).check(pr({ issues: [] })).kept).toBe(true);
  });
});

describe('diff parsing and file kinds', () => {
  it('counts lines per file and is not fooled by content that looks like a header', () => {
    const diff = [
      'diff --git a/src/a.py b/src/a.py',
      '--- a/src/a.py',
      '+++ b/src/a.py',
      '@@ -1,2 +1,2 @@',
      '--- a comment line removed',
      '+++ a comment line added',
      ' same',
      'diff --git a/docs/new.md b/docs/new.md',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/docs/new.md',
      '@@ -0,0 +1 @@',
      '+hello',
    ].join('\n');
    expect(listDiffFiles(diff)).toEqual([
      { path: 'src/a.py', added: 1, removed: 1 },
      { path: 'docs/new.md', added: 1, removed: 0 },
    ]);
  });

  it('classifies paths', () => {
    expect(classifyFile('src/parser.ts')).toBe('code');
    expect(classifyFile('pkg/router/router_test.go')).toBe('test');
    expect(classifyFile('lib/__tests__/x.test.js')).toBe('test');
    expect(classifyFile('tests/test_x.py')).toBe('test');
    expect(classifyFile('Cargo.lock')).toBe('lock');
    expect(classifyFile('.github/workflows/ci.yml')).toBe('ci');
    expect(classifyFile('CHANGELOG.md')).toBe('docs');
    expect(classifyFile('docs/conf.py')).toBe('docs');
    expect(classifyFile('setup.cfg')).toBe('other');
  });
});

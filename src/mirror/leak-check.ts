import type { Language } from '../config/gym-spec.js';
import { parsePatch } from '../edits/patch.js';
import { findPatchTestDeclarations } from './test-declarations.js';

export interface LeakCheckInput {
  statement: string;
  /** Full ids of the hidden tests (runner ids: `tests/test_x.py::test_y`, `file > describe > title`, `TestX/sub`, `a::b`). */
  hiddenTests: string[];
  /** Test files the hidden test patch touches. */
  testFiles: string[];
  /** The reference fix (the inverse of the mirror patch). */
  fixPatch: string;
  /** The hidden test patch: the titles it declares (`it('...')`, `def test_x`, `t.Run("...")`, `#[test] fn x`) are hidden names too. */
  testPatch?: string;
  /** The gym's language, to read the test patch's declarations; without it they are read as every language. */
  language?: Language;
}

export interface Leak {
  kind: 'test-name' | 'test-file' | 'fix-line';
  /** What was found in the statement. */
  text: string;
}

export interface LeakCheckResult {
  hasLeaks: boolean;
  leaks: Leak[];
  /** One sentence per leak, ready to be fed back to the model. */
  reasons: string[];
}

/** Shortest test name and fix line worth flagging; shorter ones occur in ordinary prose. */
const MINIMUM_NAME_LENGTH = 6;
const MINIMUM_FIX_LINE_LENGTH = 16;

/** The name a person would recognise in a test id: the last segment, without parameters. */
export function testNameOf(testId: string): string {
  const withoutParameters = testId.replace(/\[[^\]]*\]\s*$/, '').trim();
  let segments: string[];
  if (withoutParameters.includes('::')) segments = withoutParameters.split('::');
  else if (/\s[>›]\s/.test(withoutParameters)) segments = withoutParameters.split(/\s[>›]\s/);
  // Go subtests (TestX/case): the top-level function is the stable, distinctive part.
  else if (/^Test\w*\//.test(withoutParameters)) segments = [withoutParameters.split('/')[0] ?? withoutParameters];
  else segments = [withoutParameters];
  const names = segments.map((segment) => segment.trim()).filter(Boolean);
  return names[names.length - 1] ?? withoutParameters;
}

/**
 * Every name of a hidden test a reader could search for: from the runner ids (jest/vitest title, mocha full
 * title, pytest function, class and parametrize id, Go test and each subtest, Rust function), and from the
 * test patch's own declarations (mocha's bare `it` title, which its ids join to the describe titles; a Go
 * subtest's name before Go replaced its spaces). Parameter ids without a letter (`1-1-3`) are data, not names;
 * describe titles are the unit under test (`LruCache`), which an issue may name; `class TestX` is a name.
 */
export function hiddenTestNames(hiddenTests: string[], testPatch?: string, language?: Language): string[] {
  const names = new Set<string>();
  const add = (name: string | undefined): void => {
    const trimmed = name?.trim();
    if (trimmed && trimmed.length >= MINIMUM_NAME_LENGTH && /[A-Za-z]/.test(trimmed)) names.add(trimmed);
  };
  for (const testId of hiddenTests) {
    add(testNameOf(testId));
    const withoutDisambiguation = testId.replace(/ \[\d+\]$/, '');
    const parameter = /\[([^\]]+)\]$/.exec(withoutDisambiguation)?.[1];
    if (parameter !== undefined) add(parameter);
    const lastSegment = withoutDisambiguation.split(/::|\s[>›]\s/).pop() ?? '';
    // Go subtests: every level (`TestParse/empty_input#01` → TestParse, empty_input, also as `empty input`).
    if (/^Test\w*\//.test(lastSegment)) {
      for (const level of lastSegment.split('/')) {
        const name = level.replace(/#\d+$/, '');
        add(name);
        if (name.includes('_')) add(name.replace(/_/g, ' '));
      }
    }
  }
  if (testPatch !== undefined) {
    const languages: Language[] = language === undefined ? ['javascript', 'python', 'go', 'rust'] : [language];
    for (const each of languages) {
      for (const declaration of findPatchTestDeclarations(testPatch, each, () => true).added) {
        // A describe title is usually the unit under test (`describe('LruCache')`), which an issue may name.
        if (declaration.kind !== 'suite' || /^Test/.test(declaration.name)) add(declaration.name);
      }
    }
  }
  return [...names];
}

/** Does the statement reveal a hidden test's name, a test file, or a line of the fix? (pure) */
export function checkStatementForLeaks(input: LeakCheckInput): LeakCheckResult {
  const leaks: Leak[] = [];
  const statement = input.statement;
  const lowerStatement = statement.toLowerCase();
  const seen = new Set<string>();
  const add = (leak: Leak): void => {
    const key = `${leak.kind}:${leak.text}`;
    if (seen.has(key)) return;
    seen.add(key);
    leaks.push(leak);
  };

  // Whitespace collapsed: a title wrapped over two lines of the statement is still the title.
  const proseStatement = collapseWhitespace(lowerStatement);
  for (const name of hiddenTestNames(input.hiddenTests, input.testPatch, input.language)) {
    if (containsAsWord(proseStatement, collapseWhitespace(name.toLowerCase()))) add({ kind: 'test-name', text: name });
  }
  for (const file of input.testFiles) {
    const base = file.split('/').pop() ?? file;
    const stem = base.replace(/\.[^.]+$/, '');
    if (lowerStatement.includes(file.toLowerCase())) add({ kind: 'test-file', text: file });
    else if (/test|spec/i.test(base) && containsAsWord(lowerStatement, base.toLowerCase())) add({ kind: 'test-file', text: base });
    // `test_version`, `lru-cache.spec`: the module a reader would look for.
    else if (/test|spec/i.test(stem) && stem.length >= MINIMUM_NAME_LENGTH && containsAsWord(lowerStatement, stem.toLowerCase())) add({ kind: 'test-file', text: stem });
  }
  const normalisedStatement = collapseWhitespace(statement);
  for (const line of addedFixLines(input.fixPatch)) {
    if (normalisedStatement.includes(line)) add({ kind: 'fix-line', text: line });
  }
  const reasons = leaks.map((leak) =>
    leak.kind === 'test-name'
      ? `it names the hidden test \`${leak.text}\``
      : leak.kind === 'test-file'
        ? `it names the test file \`${leak.text}\``
        : `it contains a line of the fix: \`${leak.text}\``,
  );
  return { hasLeaks: leaks.length > 0, leaks, reasons };
}

/** The non-trivial lines the fix adds, whitespace-collapsed: enough code to give the answer away. */
function addedFixLines(fixPatch: string): string[] {
  const lines: string[] = [];
  for (const section of parsePatch(fixPatch)) {
    for (const hunk of section.hunks) {
      for (const line of hunk.lines) {
        if (!line.startsWith('+')) continue;
        const code = collapseWhitespace(line.slice(1));
        if (isNonTrivialCode(code)) lines.push(code);
      }
    }
  }
  return lines;
}

function isNonTrivialCode(code: string): boolean {
  if (code.length < MINIMUM_FIX_LINE_LENGTH) return false;
  if (/^(#|\/\/|\/\*|\*)/.test(code)) return false;
  // At least two identifiers or an identifier and an operator: `} else {` and `return None` are not a leak.
  const words = code.match(/[A-Za-z_]\w*/g) ?? [];
  return words.length >= 2 && /[=<>()[\].+\-*/%!&|]/.test(code);
}

function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function containsAsWord(haystack: string, needle: string): boolean {
  let from = 0;
  for (;;) {
    const index = haystack.indexOf(needle, from);
    if (index < 0) return false;
    const before = haystack[index - 1] ?? ' ';
    const after = haystack[index + needle.length] ?? ' ';
    if (!/\w/.test(before) && !/\w/.test(after)) return true;
    from = index + 1;
  }
}

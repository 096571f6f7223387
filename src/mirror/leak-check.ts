import { parsePatch } from '../edits/patch.js';

export interface LeakCheckInput {
  statement: string;
  /** Full ids of the hidden tests (runner ids: `tests/test_x.py::test_y`, `file > describe > title`, `TestX/sub`, `a::b`). */
  hiddenTests: string[];
  /** Test files the hidden test patch touches. */
  testFiles: string[];
  /** The reference fix (the inverse of the mirror patch). */
  fixPatch: string;
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

  for (const testId of input.hiddenTests) {
    const name = testNameOf(testId);
    if (name.length >= MINIMUM_NAME_LENGTH && containsAsWord(lowerStatement, name.toLowerCase())) add({ kind: 'test-name', text: name });
  }
  for (const file of input.testFiles) {
    const base = file.split('/').pop() ?? file;
    if (lowerStatement.includes(file.toLowerCase())) add({ kind: 'test-file', text: file });
    else if (/test|spec/i.test(base) && containsAsWord(lowerStatement, base.toLowerCase())) add({ kind: 'test-file', text: base });
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

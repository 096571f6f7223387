import type { Language } from '../config/gym-spec.js';
import { parsePatch } from '../edits/patch.js';

/** A test, suite or parameter name written in a test file (`it('title')`, `def test_x`, `func TestX`, `#[test] fn x`). */
export interface TestDeclaration {
  file: string;
  kind: 'test' | 'suite' | 'parameter';
  name: string;
}

export interface PatchTestDeclarations {
  /** Declarations on `+` lines. */
  added: TestDeclaration[];
  /** Declarations on `-` lines. */
  removed: TestDeclaration[];
  /** Test files the patch deletes or renames, as `old → new` (new is null when deleted). */
  movedFiles: { from: string; to: string | null }[];
}


/** `it('x'`, `test.skip("x"`, `t.test('x'`, `describe.only(\`x\``: the title of a mocha/jest/vitest/node:test block. */
const JAVASCRIPT_BLOCK = new RegExp(
  String.raw`(?:^|[\s;(])(?:await\s+)?(?:\w+\.)?(it|test|specify|describe|context|suite)(?:\.(?:only|skip|todo|concurrent|failing|sequential))*\s*\(\s*(['"\x60])((?:\\.|(?!\2)[^\\])*)\2`,
  'g',
);
const PYTHON_FUNCTION = /^\s*(?:async\s+)?def\s+(test\w*)\s*\(/;
const PYTHON_CLASS = /^\s*class\s+(Test\w*)\s*[(:]/;
/** `pytest.param(..., id="x")` and `ids=["a", "b"]`: parametrize ids, the `[x]` of a node id. */
const PYTHON_PARAMETER_ID = /\bid\s*=\s*(['"])(.+?)\1/g;
const PYTHON_IDS_LIST = /\bids\s*=\s*[[(]([^\])]*)/g;
const GO_FUNCTION = /^func\s+(Test\w+)\s*\(\s*\w+\s+\*testing\.T\s*\)/;
const GO_SUBTEST = /\.Run\(\s*"((?:\\.|[^"\\])+)"/g;
/** Table-driven subtests name their rows: `{name: "empty input", ...}`. */
const GO_TABLE_NAME = /\b[Nn]ame\s*:\s*"((?:\\.|[^"\\])+)"/g;
const RUST_FUNCTION = /^\s*(?:pub(?:\([^)]*\))?\s+)?(?:async\s+)?fn\s+(\w+)\s*[<(]/;
const RUST_ATTRIBUTE = /^\s*#\[/;
const RUST_TEST_ATTRIBUTE = /^\s*#\[(?:[\w:]+::)?(?:test|rstest|test_case|quickcheck)\b/;

function unescape(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}

/** The names declared on one line of a test file (Rust needs the attributes above it: `isRustTest`). */
export function findDeclarationsInLine(language: Language, line: string, isRustTest = false): Omit<TestDeclaration, 'file'>[] {
  const found: Omit<TestDeclaration, 'file'>[] = [];
  switch (language) {
    case 'javascript':
    case 'typescript':
      for (const match of line.matchAll(JAVASCRIPT_BLOCK)) {
        const name = unescape(match[3] ?? '');
        if (name.trim() !== '') found.push({ kind: ['describe', 'context', 'suite'].includes(match[1] ?? '') ? 'suite' : 'test', name });
      }
      break;
    case 'python': {
      const name = PYTHON_FUNCTION.exec(line)?.[1];
      if (name) found.push({ kind: 'test', name });
      const className = PYTHON_CLASS.exec(line)?.[1];
      if (className) found.push({ kind: 'suite', name: className });
      for (const match of line.matchAll(PYTHON_PARAMETER_ID)) found.push({ kind: 'parameter', name: match[2] ?? '' });
      for (const list of line.matchAll(PYTHON_IDS_LIST)) {
        for (const item of (list[1] ?? '').matchAll(/(['"])(.+?)\1/g)) found.push({ kind: 'parameter', name: item[2] ?? '' });
      }
      break;
    }
    case 'go': {
      const name = GO_FUNCTION.exec(line)?.[1];
      if (name) found.push({ kind: 'test', name });
      for (const match of line.matchAll(GO_SUBTEST)) found.push({ kind: 'test', name: unescape(match[1] ?? '') });
      for (const match of line.matchAll(GO_TABLE_NAME)) found.push({ kind: 'parameter', name: unescape(match[1] ?? '') });
      break;
    }
    case 'rust': {
      const name = RUST_FUNCTION.exec(line)?.[1];
      if (name && isRustTest) found.push({ kind: 'test', name });
      break;
    }
  }
  return found;
}

/** Reads one side of a hunk (old: context and `-` lines; new: context and `+` lines) for Rust's `#[test]` above `fn`. */
class RustAttributeTracker {
  private attributes: string[] = [];

  /** Feed a line of this side; returns whether a `fn` on it is a test. */
  next(code: string): boolean {
    const isTest = this.attributes.some((attribute) => RUST_TEST_ATTRIBUTE.test(attribute));
    if (RUST_ATTRIBUTE.test(code)) this.attributes.push(code);
    else if (code.trim() !== '' && !code.trim().startsWith('//')) this.attributes = [];
    return isTest;
  }
}

/** The test names a patch adds and removes in the given test files (pure; a rename is one removed, one added). */
export function findPatchTestDeclarations(patch: string, language: Language, isTestFile: (file: string) => boolean): PatchTestDeclarations {
  const result: PatchTestDeclarations = { added: [], removed: [], movedFiles: [] };
  if (patch.trim() === '') return result;
  for (const section of parsePatch(patch)) {
    const file = section.newPath ?? section.oldPath;
    if (file === null || !isTestFile(file)) continue;
    if (section.oldPath !== null && section.oldPath !== section.newPath) result.movedFiles.push({ from: section.oldPath, to: section.newPath });
    for (const hunk of section.hunks) {
      const oldSide = new RustAttributeTracker();
      const newSide = new RustAttributeTracker();
      for (const line of hunk.lines) {
        const prefix = line[0];
        const code = line.slice(1);
        const isOldTest = prefix === '+' ? false : oldSide.next(code);
        const isNewTest = prefix === '-' ? false : newSide.next(code);
        if (prefix === '+') result.added.push(...findDeclarationsInLine(language, code, isNewTest).map((found) => ({ file, ...found })));
        else if (prefix === '-') result.removed.push(...findDeclarationsInLine(language, code, isOldTest).map((found) => ({ file, ...found })));
      }
    }
  }
  return result;
}

/** Declarations the patch removes without adding the same name back in the same file: deleted or renamed tests. */
export function findRemovedTestDeclarations(declarations: PatchTestDeclarations): TestDeclaration[] {
  const key = (declaration: TestDeclaration): string => `${declaration.file}\u0000${declaration.kind}\u0000${declaration.name}`;
  const added = new Set(declarations.added.map(key));
  const seen = new Set<string>();
  return declarations.removed.filter((declaration) => {
    const removedKey = key(declaration);
    if (added.has(removedKey) || seen.has(removedKey)) return false;
    seen.add(removedKey);
    return true;
  });
}

import type { PatchHunk } from '../edits/patch-parse.js';

/** A span of 1-based lines, both ends included. */
export interface LineSpan {
  start: number;
  end: number;
}

export type HunkSide = 'test' | 'source' | 'mixed';

const CFG_TEST = /^\s*#\[cfg\(test\)\]/;
const MODULE_OPENING = /^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+[A-Za-z_][A-Za-z0-9_]*\s*\{/;
const ATTRIBUTE_OR_BLANK = /^\s*(?:#\[.*\]\s*)?(?:\/\/.*)?$/;

/**
 * The `#[cfg(test)] mod name { ... }` blocks of a Rust source file, from the attribute to the closing brace.
 * Braces are counted outside comments, string and character literals; raw strings with `#` are rare in test
 * modules' surroundings and not handled.
 */
export function findRustTestModules(source: string): LineSpan[] {
  const lines = source.split('\n');
  const spans: LineSpan[] = [];
  for (let index = 0; index < lines.length; index++) {
    if (!CFG_TEST.test(lines[index] ?? '')) continue;
    let opening = index;
    // `#[cfg(test)] mod tests {` on one line, or with other attributes / blank lines in between.
    while (opening < lines.length && !MODULE_OPENING.test((lines[opening] ?? '').replace(CFG_TEST, ''))) {
      if (opening > index && !ATTRIBUTE_OR_BLANK.test(lines[opening] ?? '')) break;
      opening++;
    }
    if (opening >= lines.length || !MODULE_OPENING.test((lines[opening] ?? '').replace(CFG_TEST, ''))) continue;
    const end = findClosingLine(lines, opening);
    if (end === undefined) continue;
    spans.push({ start: index + 1, end: end + 1 });
    index = end;
  }
  return spans;
}

/** Index of the line holding the brace that closes the first `{` on line `opening`. */
function findClosingLine(lines: string[], opening: number): number | undefined {
  let depth = 0;
  let isInBlockComment = false;
  for (let index = opening; index < lines.length; index++) {
    const line = lines[index] ?? '';
    for (let column = 0; column < line.length; column++) {
      const character = line[column];
      const next = line[column + 1];
      if (isInBlockComment) {
        if (character === '*' && next === '/') [isInBlockComment, column] = [false, column + 1];
        continue;
      }
      if (character === '/' && next === '/') break;
      if (character === '/' && next === '*') [isInBlockComment, column] = [true, column + 1];
      else if (character === '"') column = skipString(line, column);
      else if (character === "'" && /^'(?:\\.|[^\\'])'/.test(line.slice(column))) column = line.indexOf("'", column + 2);
      else if (character === '{') depth++;
      else if (character === '}' && --depth === 0) return index;
    }
  }
  return undefined;
}

function skipString(line: string, start: number): number {
  for (let column = start + 1; column < line.length; column++) {
    if (line[column] === '\\') column++;
    else if (line[column] === '"') return column;
  }
  return line.length;
}

/**
 * Which side of the test/source line a hunk of a Rust source file is on, given the test modules of the file it
 * applies to: removed lines by their old line number, added lines by where they go in, or (a block that adds a
 * whole test module) by what they are.
 */
export function classifyRustHunk(hunk: PatchHunk, modules: LineSpan[]): HunkSide {
  const isInside = (line: number): boolean => modules.some((span) => span.start <= line && line <= span.end);
  // Between two old lines: inside a module only after its first line and before its closing brace.
  const isInsertedInside = (before: number): boolean => modules.some((span) => span.start <= before && before < span.end);
  const sides = new Set<'test' | 'source'>();
  let oldLine = hunk.oldStart;
  let added: string[] = [];
  let insertedAfter = hunk.oldStart - 1;
  const flushAdded = (): void => {
    if (added.length === 0) return;
    const isWholeModule = isEntirelyTestModules(added);
    sides.add(isWholeModule || isInsertedInside(insertedAfter) ? 'test' : 'source');
    added = [];
  };
  for (const line of hunk.lines) {
    const prefix = line[0];
    if (prefix === '+') {
      if (added.length === 0) insertedAfter = oldLine - 1;
      added.push(line.slice(1));
      continue;
    }
    flushAdded();
    if (prefix === '-') {
      sides.add(isInside(oldLine) ? 'test' : 'source');
      oldLine++;
    } else if (prefix === ' ') {
      oldLine++;
    }
  }
  flushAdded();
  if (sides.size > 1) return 'mixed';
  return sides.has('source') ? 'source' : 'test';
}

/** Added lines that are only whole `#[cfg(test)]` modules, blank lines and comments. */
function isEntirelyTestModules(lines: string[]): boolean {
  const modules = findRustTestModules(lines.join('\n'));
  if (modules.length === 0) return false;
  return lines.every((line, index) => /^\s*(?:\/\/.*)?$/.test(line) || modules.some((span) => span.start <= index + 1 && index + 1 <= span.end));
}

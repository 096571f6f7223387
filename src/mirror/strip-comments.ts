import type { Language } from '../config/gym-spec.js';

/** Comment syntax family of a language. */
type CommentStyle = 'hash' | 'c-like';

export interface StripResult {
  lines: string[];
  /** Line indexes (of the input) whose comment was removed. */
  changedLines: number[];
  /** Line indexes (of the input) dropped because they held only a comment. */
  droppedLines: number[];
}

/** The comment style of a file, from its extension first, then the gym's language. */
export function commentStyleFor(file: string, language: Language): CommentStyle | undefined {
  if (/\.(py|pyi)$/.test(file)) return 'hash';
  if (/\.(js|jsx|mjs|cjs|ts|tsx|mts|cts|go|rs)$/.test(file)) return 'c-like';
  if (/\.[A-Za-z0-9]+$/.test(file)) return undefined;
  return language === 'python' ? 'hash' : 'c-like';
}

/** Lines a comment must never be stripped from: they carry meaning to tools. */
function isDirective(comment: string, style: CommentStyle): boolean {
  if (style === 'hash') return /^#!|^#\s*(-\*-\s*)?coding[:=]|^#\s*type:\s*ignore/.test(comment);
  return /^\/\/(go:|\s*\+build\b|\/\s*<reference\b|\s*@ts-|\s*eslint-|#\s*source)|^\/\*\s*(eslint-|@ts-|istanbul\b|c8\b)/.test(comment);
}

/**
 * Remove comments from the lines listed in `targetLines` (pure). Strings are skipped, so `"#"`, `'//'`
 * and URLs inside them stay; a block comment opened on a target line is removed up to its end when
 * that end is on a target line too. A target line left empty by the removal, that held code only
 * as a comment, is dropped; code on other lines is never touched.
 */
export function stripComments(lines: string[], targetLines: ReadonlySet<number>, style: CommentStyle): StripResult {
  const output: Array<string | undefined> = [...lines];
  const changedLines: number[] = [];
  const droppedLines: number[] = [];
  let inBlockComment = false;
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] ?? '';
    if (!targetLines.has(index)) {
      inBlockComment = false;
      continue;
    }
    const { text, removedComment, endsInBlockComment } = stripLine(line, style, inBlockComment);
    inBlockComment = endsInBlockComment;
    if (!removedComment) continue;
    if (text.trim() === '') {
      output[index] = undefined;
      droppedLines.push(index);
    } else {
      output[index] = text.replace(/\s+$/, '');
      changedLines.push(index);
    }
  }
  return { lines: output.filter((line): line is string => line !== undefined), changedLines, droppedLines };
}

/** Strip comments from one line, scanning strings so their content is left alone. */
function stripLine(
  line: string,
  style: CommentStyle,
  startsInBlockComment: boolean,
): { text: string; removedComment: boolean; endsInBlockComment: boolean } {
  let text = '';
  let removedComment = false;
  let index = 0;
  let inBlockComment = startsInBlockComment;
  let previousSignificant = '';
  while (index < line.length) {
    if (inBlockComment) {
      const end = line.indexOf('*/', index);
      removedComment = true;
      if (end < 0) return { text, removedComment, endsInBlockComment: true };
      index = end + 2;
      inBlockComment = false;
      continue;
    }
    const rest = line.slice(index);
    const character = line[index] ?? '';
    if (style === 'hash' && character === '#') {
      if (isDirective(rest, style)) return { text: line, removedComment: false, endsInBlockComment: false };
      return { text, removedComment: true, endsInBlockComment: false };
    }
    if (style === 'c-like' && rest.startsWith('//')) {
      if (isDirective(rest, style)) return { text: text + rest, removedComment, endsInBlockComment: false };
      return { text, removedComment: true, endsInBlockComment: false };
    }
    if (style === 'c-like' && rest.startsWith('/*')) {
      if (isDirective(rest, style)) return { text: text + rest, removedComment, endsInBlockComment: false };
      inBlockComment = true;
      index += 2;
      continue;
    }
    const literalEnd = endOfLiteral(line, index, style, previousSignificant);
    if (literalEnd > index) {
      text += line.slice(index, literalEnd);
      previousSignificant = line[literalEnd - 1] ?? '';
      index = literalEnd;
      continue;
    }
    text += character;
    if (character.trim() !== '') previousSignificant = character;
    index += 1;
  }
  return { text, removedComment, endsInBlockComment: inBlockComment };
}

/** If a string (or regex, or char) literal starts at `start`, the index just past it; otherwise `start`. */
function endOfLiteral(line: string, start: number, style: CommentStyle, previousSignificant: string): number {
  const character = line[start] ?? '';
  if (style === 'hash') {
    const prefixed = /^[rRbBuUfF]{0,2}("""|'''|"|')/.exec(line.slice(start));
    if (!prefixed || (start > 0 && /\w/.test(line[start - 1] ?? ''))) return start;
    const quote = prefixed[1] ?? '"';
    const isRaw = /[rR]/.test(prefixed[0].slice(0, -quote.length));
    return scanTo(line, start + prefixed[0].length, quote, !isRaw);
  }
  // Rust raw strings: r"..." and r#"..."#.
  const raw = /^r(#*)"/.exec(line.slice(start));
  if (raw && (start === 0 || !/\w/.test(line[start - 1] ?? ''))) {
    const closing = `"${raw[1] ?? ''}`;
    const end = line.indexOf(closing, start + raw[0].length);
    return end < 0 ? line.length : end + closing.length;
  }
  if (character === '"' || character === '`') return scanTo(line, start + 1, character, character === '"');
  if (character === "'") {
    // A Rust lifetime ('a) has no closing quote nearby; a char literal does.
    const charLiteral = /^'(\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'/.exec(line.slice(start));
    if (charLiteral) return start + charLiteral[0].length;
    if (/^'[A-Za-z_]\w*(?!')/.test(line.slice(start)) && !/^'[^']*'/.test(line.slice(start))) return start + 1;
    return scanTo(line, start + 1, "'", true);
  }
  // A JavaScript regex literal can hold `//`; it starts where an operand is expected.
  if (character === '/' && line[start + 1] !== '/' && line[start + 1] !== '*' && /^$|[(,=:[!&|?{};+\-*%<>~^]$/.test(previousSignificant)) {
    let index = start + 1;
    let inClass = false;
    while (index < line.length) {
      const current = line[index];
      if (current === '\\') index += 2;
      else if (current === '[') (inClass = true), (index += 1);
      else if (current === ']') (inClass = false), (index += 1);
      else if (current === '/' && !inClass) return index + 1;
      else index += 1;
    }
    return start;
  }
  return start;
}

function scanTo(line: string, from: number, quote: string, hasEscapes: boolean): number {
  let index = from;
  while (index < line.length) {
    if (hasEscapes && line[index] === '\\') {
      index += 2;
      continue;
    }
    if (line.startsWith(quote, index)) return index + quote.length;
    index += 1;
  }
  return line.length;
}

import { cleanPath } from '../edits/search-replace-parse.js';

/** Lists read out of a model answer: by key when the answer had keys, otherwise one unkeyed list. */
export interface PathListAnswer {
  byKey: Record<string, string[]>;
  unkeyed: string[];
  /** Which reading worked: json | python-list | fenced-lines | bullet-lines. */
  form: 'json' | 'python-list' | 'fenced-lines' | 'bullet-lines';
}

/**
 * Read a JSON value out of an answer: the whole text, a fenced block, or the first balanced `{...}` or
 * `[...]` in it; Python-style literals (single quotes, True/False/None, trailing commas) are accepted.
 * Returns undefined when nothing parses.
 */
export function parseStructuredAnswer(text: string): unknown {
  const candidates: string[] = [text.trim()];
  for (const match of text.matchAll(/```[\w-]*\s*\n([\s\S]*?)```/g)) candidates.push((match[1] ?? '').trim());
  for (const opener of ['{', '[']) {
    const balanced = firstBalanced(text, opener);
    if (balanced !== undefined) candidates.push(balanced);
  }
  for (const candidate of candidates) {
    if (candidate === '') continue;
    const value = tryJson(candidate) ?? tryJson(pythonToJson(candidate));
    if (value !== undefined) return value;
  }
  return undefined;
}

/**
 * Read lists of file paths from an answer: a JSON object of lists (keys matched loosely against
 * `keys`, e.g. `source` matches `source_files` and `sourceFiles`), a JSON/Python list, a fenced block
 * of one path a line, or bullet lines. Undefined when no path can be read.
 */
export function parsePathListAnswer(text: string, keys: readonly string[]): PathListAnswer | undefined {
  const value = parseStructuredAnswer(text);
  if (value !== undefined && value !== null && typeof value === 'object') {
    if (Array.isArray(value)) {
      const unkeyed = toPaths(value);
      if (unkeyed.length > 0) return { byKey: {}, unkeyed, form: 'json' };
    } else {
      const byKey: Record<string, string[]> = {};
      const unkeyed: string[] = [];
      for (const [name, entry] of Object.entries(value as Record<string, unknown>)) {
        if (!Array.isArray(entry)) continue;
        const key = keys.find((wanted) => name.toLowerCase().replace(/[^a-z]/g, '').startsWith(wanted.toLowerCase()));
        if (key === undefined) unkeyed.push(...toPaths(entry));
        else byKey[key] = [...(byKey[key] ?? []), ...toPaths(entry)];
      }
      if (Object.keys(byKey).length > 0 || unkeyed.length > 0) return { byKey, unkeyed, form: 'json' };
    }
  }
  const pythonList = /\[([^\]]*)\]/.exec(text);
  if (pythonList) {
    const quoted = [...(pythonList[1] ?? '').matchAll(/["']([^"']+)["']/g)].map((match) => cleanPath(match[1] ?? ''));
    const paths = quoted.filter(isPathLike);
    if (paths.length > 0) return { byKey: {}, unkeyed: paths, form: 'python-list' };
  }
  for (const match of text.matchAll(/```[\w-]*\s*\n([\s\S]*?)```/g)) {
    const paths = (match[1] ?? '').split('\n').map(cleanPath).filter(isPathLike);
    if (paths.length > 0) return { byKey: {}, unkeyed: paths, form: 'fenced-lines' };
  }
  const bullets = text
    .split(/\r?\n/)
    .filter((line) => /^\s*([-*+]|\d+[.)])\s+/.test(line))
    .map((line) => cleanPath(line.replace(/^\s*([-*+]|\d+[.)])\s+/, '').split(/\s+[-–—(:]\s*|\s+/)[0] ?? ''))
    .filter(isPathLike);
  if (bullets.length > 0) return { byKey: {}, unkeyed: bullets, form: 'bullet-lines' };
  return undefined;
}

function toPaths(values: unknown[]): string[] {
  return values.filter((item): item is string => typeof item === 'string').map(cleanPath).filter(isPathLike);
}

/** A path has no spaces and either a slash or a dot-extension. */
function isPathLike(candidate: string): boolean {
  return candidate.length > 0 && candidate.length < 300 && !/\s/.test(candidate) && /[/.]/.test(candidate) && /\w/.test(candidate);
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Turn a Python literal into JSON, well enough for lists and dicts of strings, numbers and booleans. */
function pythonToJson(text: string): string {
  let result = '';
  let index = 0;
  while (index < text.length) {
    const character = text[index] ?? '';
    if (character === "'" || character === '"') {
      let end = index + 1;
      let content = '';
      while (end < text.length && text[end] !== character) {
        if (text[end] === '\\' && end + 1 < text.length) {
          content += text[end + 1] === "'" ? "'" : `\\${text[end + 1]}`;
          end += 2;
          continue;
        }
        content += text[end] === '"' ? '\\"' : text[end];
        end += 1;
      }
      result += `"${content}"`;
      index = end + 1;
      continue;
    }
    const word = /^(True|False|None)\b/.exec(text.slice(index));
    if (word) {
      result += word[1] === 'True' ? 'true' : word[1] === 'False' ? 'false' : 'null';
      index += word[0].length;
      continue;
    }
    result += character;
    index += 1;
  }
  return result.replace(/,(\s*[\]}])/g, '$1');
}

/** The first balanced bracket group starting with `opener`, skipping brackets inside strings. */
function firstBalanced(text: string, opener: string): string | undefined {
  const closer = opener === '{' ? '}' : ']';
  const start = text.indexOf(opener);
  if (start < 0) return undefined;
  let depth = 0;
  let quote: string | undefined;
  for (let index = start; index < text.length; index += 1) {
    const character = text[index];
    if (quote !== undefined) {
      if (character === '\\') index += 1;
      else if (character === quote) quote = undefined;
      continue;
    }
    if (character === '"' || character === "'") quote = character;
    else if (character === opener) depth += 1;
    else if (character === closer) {
      depth -= 1;
      if (depth === 0) return text.slice(start, index + 1);
    }
  }
  return undefined;
}

/** One SEARCH/REPLACE block as the model wrote it. */
export interface SearchReplaceBlock {
  /** Repository-relative path as written by the model (cleaned of backticks, `File:` and such). */
  path: string;
  /** Lines to find; empty means "create this file". */
  searchLines: string[];
  replaceLines: string[];
}

export interface ParsedSearchReplace {
  blocks: SearchReplaceBlock[];
  /** Blocks that could not be read, each said in words (fed back to the model). */
  problems: string[];
}

const SEARCH_MARKER = /^\s*<{5,9}\s*SEARCH\s*$/;
const DIVIDER_MARKER = /^\s*={5,9}\s*$/;
const REPLACE_MARKER = /^\s*>{5,9}\s*REPLACE\s*$/;
const FENCE = /^\s*(```|~~~)/;

/** Read SEARCH/REPLACE blocks out of a model answer, tolerating prose, code fences, CRLF and decorated path lines. */
export function parseSearchReplaceBlocks(text: string): ParsedSearchReplace {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const blocks: SearchReplaceBlock[] = [];
  const problems: string[] = [];
  let previousPath: string | undefined;
  let previousEnd = -1;
  let index = 0;
  while (index < lines.length) {
    const line = lines[index] ?? '';
    if (!SEARCH_MARKER.test(line)) {
      index += 1;
      continue;
    }
    const blockNumber = blocks.length + problems.length + 1;
    const path = findPathLine(lines, index, previousEnd) ?? (isDirectlyAfter(lines, previousEnd, index) ? previousPath : undefined);
    const divider = findMarker(lines, index + 1, DIVIDER_MARKER, SEARCH_MARKER);
    const end = divider === -1 ? -1 : findMarker(lines, divider + 1, REPLACE_MARKER, SEARCH_MARKER);
    if (divider === -1 || end === -1) {
      problems.push(
        `block ${blockNumber} is not closed: every block needs \`<<<<<<< SEARCH\`, \`=======\` and \`>>>>>>> REPLACE\` lines, in that order`,
      );
      index += 1;
      continue;
    }
    if (path === undefined) {
      problems.push(`block ${blockNumber} has no file path: put the file's path alone on the line just before \`<<<<<<< SEARCH\``);
    } else {
      const searchLines = stripTrailingWhitespace(lines.slice(index + 1, divider));
      const replaceLines = stripTrailingWhitespace(lines.slice(divider + 1, end));
      blocks.push({ path, searchLines: isBlank(searchLines) ? [] : searchLines, replaceLines });
      previousPath = path;
    }
    previousEnd = end;
    index = end + 1;
  }
  return { blocks, problems };
}

/** The path line: the nearest non-blank, non-fence line above the SEARCH marker, if it looks like a path. */
function findPathLine(lines: string[], searchIndex: number, previousEnd: number): string | undefined {
  for (let index = searchIndex - 1; index > previousEnd; index -= 1) {
    const line = lines[index] ?? '';
    if (line.trim() === '') continue;
    if (FENCE.test(line)) {
      // A fence line may carry the path as its info string: ```python path/to/file.py
      const info = line.trim().replace(/^(```|~~~)\s*/, '').split(/\s+/);
      const candidate = info.length > 1 ? cleanPath(info[info.length - 1] ?? '') : undefined;
      if (candidate !== undefined && looksLikePath(candidate) && candidate.includes('.')) return candidate;
      continue;
    }
    const candidate = cleanPath(line);
    return looksLikePath(candidate) ? candidate : undefined;
  }
  return undefined;
}

function isDirectlyAfter(lines: string[], previousEnd: number, searchIndex: number): boolean {
  if (previousEnd < 0) return false;
  return lines.slice(previousEnd + 1, searchIndex).every((line) => line.trim() === '' || FENCE.test(line));
}

/** Strip the decorations models put around a path: backticks, bold, `File:`, `###`, a trailing colon. */
export function cleanPath(line: string): string {
  let path = line.trim();
  path = path.replace(/^#{1,6}\s*/, '');
  path = path.replace(/^[-*]\s+/, '');
  path = path.replace(/^\*\*(.*)\*\*:?$/, '$1').trim();
  path = path.replace(/^(file(name)?|path)\s*:\s*/i, '');
  path = path.replace(/^\*\*(.*)\*\*:?$/, '$1').trim();
  path = path.replace(/^`+|`+$/g, '').trim();
  path = path.replace(/:$/, '').trim();
  path = path.replace(/^`+|`+$/g, '').trim();
  path = path.replace(/^\.\//, '');
  return path;
}

function looksLikePath(candidate: string): boolean {
  return candidate.length > 0 && candidate.length < 300 && !/\s/.test(candidate) && /[A-Za-z0-9_]/.test(candidate);
}

function findMarker(lines: string[], start: number, marker: RegExp, stopAt: RegExp): number {
  for (let index = start; index < lines.length; index += 1) {
    const line = lines[index] ?? '';
    if (marker.test(line)) return index;
    if (stopAt.test(line)) return -1;
  }
  return -1;
}

function stripTrailingWhitespace(lines: string[]): string[] {
  return lines.map((line) => line.replace(/\s+$/, ''));
}

function isBlank(lines: string[]): boolean {
  return lines.every((line) => line.trim() === '');
}

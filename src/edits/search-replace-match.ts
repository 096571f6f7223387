/** How a SEARCH text was found in a file. */
export type MatchTier = 'exact' | 'trailing-whitespace' | 'indentation' | 'blank-edges';

export type MatchResult =
  | { kind: 'found'; lines: string[]; tier: MatchTier }
  | { kind: 'missing' }
  | { kind: 'ambiguous'; tier: MatchTier; lineNumbers: number[] };

/**
 * Replace `searchLines` in `fileLines` by `replaceLines` (pure). Tries an exact match, then one that
 * ignores trailing whitespace, then one that ignores indentation (re-indenting the replacement), then
 * the same with blank lines at the block's edges dropped. The first tier with any match decides.
 */
export function replaceLinesOnce(fileLines: string[], searchLines: string[], replaceLines: string[]): MatchResult {
  const attempts: Array<{ tier: MatchTier; search: string[]; replace: string[] }> = [
    { tier: 'exact', search: searchLines, replace: replaceLines },
  ];
  const trimmedSearch = trimBlankEdges(searchLines);
  if (trimmedSearch.length > 0 && trimmedSearch.length !== searchLines.length) {
    attempts.push({ tier: 'blank-edges', search: trimmedSearch, replace: trimBlankEdges(replaceLines) });
  }
  const comparisons: Array<{ tier: MatchTier; normalise: (line: string) => string }> = [
    { tier: 'exact', normalise: (line) => line },
    { tier: 'trailing-whitespace', normalise: (line) => line.trimEnd() },
    { tier: 'indentation', normalise: (line) => line.trim() },
  ];
  for (const attempt of attempts) {
    for (const comparison of comparisons) {
      const starts = findAll(fileLines, attempt.search, comparison.normalise);
      if (starts.length === 0) continue;
      const tier = attempt.tier === 'blank-edges' ? 'blank-edges' : comparison.tier;
      if (starts.length > 1) return { kind: 'ambiguous', tier, lineNumbers: starts.map((start) => start + 1) };
      const start = starts[0] ?? 0;
      const matched = fileLines.slice(start, start + attempt.search.length);
      const replacement =
        comparison.tier === 'indentation' ? reindent(attempt.search, matched, attempt.replace) : attempt.replace;
      return {
        kind: 'found',
        tier,
        lines: [...fileLines.slice(0, start), ...replacement, ...fileLines.slice(start + attempt.search.length)],
      };
    }
  }
  return { kind: 'missing' };
}

function findAll(fileLines: string[], searchLines: string[], normalise: (line: string) => string): number[] {
  if (searchLines.length === 0 || searchLines.length > fileLines.length) return [];
  const wanted = searchLines.map(normalise);
  const normalisedFile = fileLines.map(normalise);
  const starts: number[] = [];
  for (let start = 0; start + wanted.length <= normalisedFile.length; start += 1) {
    let isMatch = true;
    for (let offset = 0; offset < wanted.length; offset += 1) {
      if (normalisedFile[start + offset] !== wanted[offset]) {
        isMatch = false;
        break;
      }
    }
    if (isMatch) starts.push(start);
  }
  return starts;
}

/**
 * Re-indent the replacement to the file's indentation. A replacement line equal (ignoring indentation)
 * to a SEARCH line takes that line's indentation in the file; other lines map the model's indentation
 * through the indentations seen in SEARCH, or shift like the first non-blank line.
 */
function reindent(searchLines: string[], matchedLines: string[], replaceLines: string[]): string[] {
  const mapping = new Map<string, string>();
  searchLines.forEach((line, index) => {
    if (line.trim() === '') return;
    const searchIndent = leadingWhitespace(line);
    if (!mapping.has(searchIndent)) mapping.set(searchIndent, leadingWhitespace(matchedLines[index] ?? ''));
  });
  const firstIndex = searchLines.findIndex((line) => line.trim() !== '');
  const searchIndent = leadingWhitespace(searchLines[firstIndex] ?? '');
  const fileIndent = leadingWhitespace(matchedLines[firstIndex] ?? '');
  return replaceLines.map((line, replaceIndex) => {
    if (line.trim() === '') return line;
    const indent = leadingWhitespace(line);
    const twin = nearestTwin(searchLines, line.trim(), replaceIndex);
    if (twin !== -1) return leadingWhitespace(matchedLines[twin] ?? '') + line.trimStart();
    const mapped = mapping.get(indent);
    if (mapped !== undefined) return mapped + line.slice(indent.length);
    if (line.startsWith(searchIndent)) return fileIndent + line.slice(searchIndent.length);
    return fileIndent + line.trimStart();
  });
}

function nearestTwin(searchLines: string[], trimmed: string, near: number): number {
  let best = -1;
  searchLines.forEach((line, index) => {
    if (line.trim() === trimmed && (best === -1 || Math.abs(index - near) < Math.abs(best - near))) best = index;
  });
  return best;
}

function leadingWhitespace(line: string): string {
  return /^\s*/.exec(line)?.[0] ?? '';
}

function trimBlankEdges(lines: string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && (lines[start] ?? '').trim() === '') start += 1;
  while (end > start && (lines[end - 1] ?? '').trim() === '') end -= 1;
  return lines.slice(start, end);
}

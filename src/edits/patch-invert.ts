import { SweMirrorError } from '../core/errors.js';
import { parsePatch, readQuoted, type PatchFileSection, type PatchHunk } from './patch-parse.js';

/** The exact inverse of a patch: applying it after the patch restores every byte (hunks, new/deleted files, renames, modes). */
export function invertPatch(patch: string): string {
  const sections = parsePatch(patch);
  if (sections.length === 0) {
    throw new SweMirrorError({
      code: 'PATCH_EMPTY',
      kind: 'user',
      message: 'Cannot invert an empty patch: it changes no file.',
      hint: 'Check that the patch file is a unified diff (`git diff` output).',
    });
  }
  const output: string[] = [];
  for (const section of sections) {
    if (section.isBinary) throw notInvertible(section, 'it is a binary patch');
    if (section.isCopy) throw notInvertible(section, 'it copies a file (the copy source is not in the patch)');
    output.push(...invertHeader(section.headerLines), ...section.hunks.flatMap(invertHunk));
  }
  return `${output.join('\n')}\n`;
}

function notInvertible(section: PatchFileSection, why: string): SweMirrorError {
  const file = section.newPath ?? section.oldPath ?? '(unknown file)';
  return new SweMirrorError({
    code: 'PATCH_NOT_INVERTIBLE',
    kind: 'user',
    message: `Cannot invert the patch for ${file}: ${why}.`,
    hint: 'Provide fix.patch explicitly in the task directory.',
  });
}

function invertHeader(headerLines: string[]): string[] {
  const inverted = [...headerLines];
  const oldHeader = headerLines.findIndex((line) => line.startsWith('--- '));
  const newHeader = headerLines.findIndex((line) => line.startsWith('+++ '));
  for (const [position, line] of headerLines.entries()) {
    inverted[position] = invertHeaderLine(line);
  }
  if (oldHeader >= 0 && newHeader >= 0) {
    const oldValue = (headerLines[oldHeader] as string).slice(4);
    const newValue = (headerLines[newHeader] as string).slice(4);
    inverted[oldHeader] = `--- ${swapPrefix(newValue, 'b/', 'a/')}`;
    inverted[newHeader] = `+++ ${swapPrefix(oldValue, 'a/', 'b/')}`;
  }
  // Paired lines keep their order and exchange values.
  for (const [first, second] of [
    ['rename from ', 'rename to '],
    ['old mode ', 'new mode '],
  ] as const) {
    const firstAt = headerLines.findIndex((line) => line.startsWith(first));
    const secondAt = headerLines.findIndex((line) => line.startsWith(second));
    if (firstAt < 0 || secondAt < 0) continue;
    inverted[firstAt] = first + (headerLines[secondAt] as string).slice(second.length);
    inverted[secondAt] = second + (headerLines[firstAt] as string).slice(first.length);
  }
  return inverted;
}

function invertHeaderLine(line: string): string {
  if (line.startsWith('diff --git ')) {
    const rest = line.slice('diff --git '.length);
    const { first, second } = splitDiffGitTokens(rest);
    return `diff --git ${swapPrefix(second, 'b/', 'a/')} ${swapPrefix(first, 'a/', 'b/')}`;
  }
  const swaps: Array<[string, string]> = [
    ['new file mode ', 'deleted file mode '],
    ['deleted file mode ', 'new file mode '],
  ];
  for (const [from, to] of swaps) {
    if (line.startsWith(from)) return to + line.slice(from.length);
  }
  const indexLine = /^index ([0-9a-f]+)\.\.([0-9a-f]+)(.*)$/.exec(line);
  if (indexLine) return `index ${indexLine[2]}..${indexLine[1]}${indexLine[3]}`;
  return line;
}

/** Split the two path tokens of a `diff --git` line, keeping quotes. */
function splitDiffGitTokens(rest: string): { first: string; second: string } {
  if (rest.startsWith('"')) {
    const { token, remainder } = readQuoted(rest);
    return { first: token, second: remainder.trimStart() };
  }
  if (rest.endsWith('"')) {
    const quoteStart = rest.lastIndexOf(' "');
    return { first: rest.slice(0, quoteStart), second: rest.slice(quoteStart + 1) };
  }
  const middle = (rest.length - 1) / 2;
  if (Number.isInteger(middle) && rest[middle] === ' ' && rest.slice(2, middle) === rest.slice(middle + 3)) {
    return { first: rest.slice(0, middle), second: rest.slice(middle + 1) };
  }
  const split = rest.indexOf(' b/');
  return { first: rest.slice(0, split), second: rest.slice(split + 1) };
}

/** Replace a path token's `a/`/`b/` prefix (inside quotes too); /dev/null and prefix-less paths stay. */
function swapPrefix(token: string, from: string, to: string): string {
  if (token.startsWith(`"${from}`)) return `"${to}${token.slice(from.length + 1)}`;
  if (token.startsWith(from)) return to + token.slice(from.length);
  return token;
}

function invertHunk(hunk: PatchHunk): string[] {
  const header = /^@@ -(\S+) \+(\S+) @@(.*)$/.exec(hunk.header);
  const invertedHeader = header ? `@@ -${header[2]} +${header[1]} @@${header[3]}` : hunk.header;
  const output = [invertedHeader];
  // A change run is consecutive '-'/'+' lines with their '\ No newline' markers; inverted, deletions come first.
  let deletions: string[] = [];
  let additions: string[] = [];
  let last: string[] | undefined;
  const flush = (): void => {
    output.push(...deletions, ...additions);
    deletions = [];
    additions = [];
  };
  for (const line of hunk.lines) {
    const kind = line[0];
    if (kind === '\\') {
      (last ?? output).push(line);
    } else if (kind === '+') {
      last = deletions;
      deletions.push(`-${line.slice(1)}`);
    } else if (kind === '-') {
      last = additions;
      additions.push(`+${line.slice(1)}`);
    } else {
      flush();
      last = output;
      output.push(line);
    }
  }
  flush();
  return output;
}

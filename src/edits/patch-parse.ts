import { SweMirrorError } from '../core/errors.js';

/** One hunk of a unified diff, with its lines exactly as written (prefix character included). */
export interface PatchHunk {
  /** The `@@ ... @@ section` line as written. */
  header: string;
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** ' ', '-', '+' and '\' lines, prefix included, without the trailing newline. */
  lines: string[];
}

/** One file's part of a patch. Paths are repository-relative (one leading component stripped, as `git apply -p1`). */
export interface PatchFileSection {
  /** Header lines as written, in order (`diff --git`, mode lines, `index`, `---`, `+++`, ...). */
  headerLines: string[];
  /** null when the file is created. */
  oldPath: string | null;
  /** null when the file is deleted. */
  newPath: string | null;
  isBinary: boolean;
  isCopy: boolean;
  /** Git file modes when the patch states them (`100644`, `100755`, `120000`). */
  oldMode?: string;
  newMode?: string;
  hunks: PatchHunk[];
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;
const DEV_NULL = '/dev/null';

/** Parse a unified diff (git or plain) into file sections; text outside sections (mail headers, signatures) is ignored. */
export function parsePatch(patch: string): PatchFileSection[] {
  const lines = patch.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const sections: PatchFileSection[] = [];
  let current: PatchFileSection | undefined;
  let index = 0;
  while (index < lines.length) {
    const line = lines[index] as string;
    if (line.startsWith('diff --git ')) {
      current = newSection([line]);
      const paths = parseDiffGitLine(line);
      current.oldPath = paths?.oldPath ?? null;
      current.newPath = paths?.newPath ?? null;
      sections.push(current);
      index++;
      continue;
    }
    const next = lines[index + 1];
    if (line.startsWith('--- ') && next !== undefined && next.startsWith('+++ ')) {
      // A plain diff starts a new section at `---`; a git diff's `---` belongs to the `diff --git` header.
      if (!current || current.hunks.length > 0 || current.headerLines.some((header) => header.startsWith('--- '))) {
        current = newSection([]);
        sections.push(current);
      }
      current.headerLines.push(line, next);
      current.oldPath = parseFileHeaderPath(line.slice(4));
      current.newPath = parseFileHeaderPath(next.slice(4));
      index += 2;
      continue;
    }
    if (current && line.startsWith('@@')) {
      const { hunk, nextIndex } = parseHunk(lines, index);
      current.hunks.push(hunk);
      index = nextIndex;
      continue;
    }
    if (current && current.hunks.length === 0) readHeaderLine(current, line);
    index++;
  }
  return sections;
}

function newSection(headerLines: string[]): PatchFileSection {
  return { headerLines, oldPath: null, newPath: null, isBinary: false, isCopy: false, hunks: [] };
}

function readHeaderLine(section: PatchFileSection, line: string): void {
  const keep = (): void => {
    section.headerLines.push(line);
  };
  if (line.startsWith('new file mode ')) {
    section.oldPath = null;
    section.newMode = line.slice('new file mode '.length).trim();
    keep();
  } else if (line.startsWith('deleted file mode ')) {
    section.newPath = null;
    section.oldMode = line.slice('deleted file mode '.length).trim();
    keep();
  } else if (line.startsWith('old mode ')) {
    section.oldMode = line.slice('old mode '.length).trim();
    keep();
  } else if (line.startsWith('new mode ')) {
    section.newMode = line.slice('new mode '.length).trim();
    keep();
  } else if (line.startsWith('rename from ') || line.startsWith('copy from ')) {
    section.isCopy ||= line.startsWith('copy');
    section.oldPath = unquotePath(line.slice(line.indexOf(' from ') + 6));
    keep();
  } else if (line.startsWith('rename to ') || line.startsWith('copy to ')) {
    section.newPath = unquotePath(line.slice(line.indexOf(' to ') + 4));
    keep();
  } else if (line === 'GIT binary patch' || (line.startsWith('Binary files ') && line.endsWith(' differ'))) {
    section.isBinary = true;
    keep();
  } else if (/^(index |similarity index |dissimilarity index )/.test(line)) {
    keep();
  }
}

function parseHunk(lines: string[], start: number): { hunk: PatchHunk; nextIndex: number } {
  const header = lines[start] as string;
  const match = HUNK_HEADER.exec(header);
  if (!match) {
    throw new SweMirrorError({
      code: 'PATCH_MALFORMED',
      kind: 'user',
      message: `Malformed hunk header at line ${start + 1}: ${JSON.stringify(header)}.`,
      hint: 'Hunk headers look like "@@ -12,7 +12,8 @@"; regenerate the patch with `git diff`.',
    });
  }
  const oldLines = match[2] === undefined ? 1 : Number(match[2]);
  const newLines = match[4] === undefined ? 1 : Number(match[4]);
  const hunk: PatchHunk = {
    header,
    oldStart: Number(match[1]),
    oldLines,
    newStart: Number(match[3]),
    newLines,
    lines: [],
  };
  let removed = 0;
  let added = 0;
  let index = start + 1;
  while (index < lines.length) {
    const line = lines[index] as string;
    const isCountComplete = removed >= oldLines && added >= newLines;
    if (line.startsWith('\\')) {
      hunk.lines.push(line);
      index++;
      continue;
    }
    if (isCountComplete) break;
    // Some tools drop the single space of an empty context line.
    const kind = line === '' ? ' ' : line[0];
    if (kind === ' ') {
      removed++;
      added++;
    } else if (kind === '-') {
      removed++;
    } else if (kind === '+') {
      added++;
    } else {
      break;
    }
    hunk.lines.push(line === '' ? ' ' : line);
    index++;
  }
  if (removed !== oldLines || added !== newLines) {
    throw new SweMirrorError({
      code: 'PATCH_MALFORMED',
      kind: 'user',
      message: `Hunk "${header}" promises ${oldLines} old and ${newLines} new lines but holds ${removed} and ${added}.`,
      hint: 'The patch was probably edited by hand or truncated; regenerate it with `git diff`.',
    });
  }
  return { hunk, nextIndex: index };
}

/** Path from a `---`/`+++` header value: strips a timestamp, quotes and the first component; /dev/null → null. */
function parseFileHeaderPath(value: string): string | null {
  const raw = value.startsWith('"') ? value : (value.split('\t')[0] ?? '').trimEnd();
  if (raw === DEV_NULL) return null;
  return stripFirstComponent(unquotePath(raw.startsWith('"') ? readQuoted(raw).token : raw));
}

/** Paths of a `diff --git a/X b/Y` line, or undefined when they cannot be told apart. */
function parseDiffGitLine(line: string): { oldPath: string; newPath: string } | undefined {
  const rest = line.slice('diff --git '.length);
  let first: string;
  let second: string;
  if (rest.startsWith('"')) {
    const { token, remainder } = readQuoted(rest);
    first = unquotePath(token);
    second = unquotePath(remainder.trimStart());
  } else if (rest.endsWith('"')) {
    const quoteStart = rest.lastIndexOf(' "');
    first = rest.slice(0, quoteStart);
    second = unquotePath(rest.slice(quoteStart + 1));
  } else {
    const middle = (rest.length - 1) / 2;
    if (Number.isInteger(middle) && rest[middle] === ' ' && rest.slice(2, middle) === rest.slice(middle + 3)) {
      first = rest.slice(0, middle);
      second = rest.slice(middle + 1);
    } else {
      const split = rest.indexOf(' b/');
      if (split < 0) return undefined;
      first = rest.slice(0, split);
      second = rest.slice(split + 1);
    }
  }
  return { oldPath: stripFirstComponent(first), newPath: stripFirstComponent(second) };
}

function stripFirstComponent(filePath: string): string {
  const slash = filePath.indexOf('/');
  return slash < 0 ? filePath : filePath.slice(slash + 1);
}

/** Read a leading C-style quoted token; returns it with its quotes and what follows. */
export function readQuoted(text: string): { token: string; remainder: string } {
  let index = 1;
  while (index < text.length && text[index] !== '"') index += text[index] === '\\' ? 2 : 1;
  return { token: text.slice(0, index + 1), remainder: text.slice(index + 1) };
}

const ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '"': 34, '\\': 92 };

/** Undo git's C-style path quoting (`"a/caf\303\251"` → `a/café`); unquoted paths pass through. */
export function unquotePath(value: string): string {
  if (!(value.startsWith('"') && value.endsWith('"') && value.length >= 2)) return value;
  const bytes: number[] = [];
  const body = value.slice(1, -1);
  for (let index = 0; index < body.length; index++) {
    const character = body[index] as string;
    if (character !== '\\') {
      bytes.push(...Buffer.from(character, 'utf8'));
      continue;
    }
    const next = body[index + 1] ?? '';
    if (/[0-7]/.test(next)) {
      bytes.push(parseInt(body.slice(index + 1, index + 4), 8));
      index += 3;
    } else {
      bytes.push(ESCAPES[next] ?? next.charCodeAt(0));
      index += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

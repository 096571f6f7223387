/** One file touched by a unified diff, with its changed-line counts. */
export interface DiffFile {
  /** Path after the change (before it, for a deletion). */
  path: string;
  added: number;
  removed: number;
}

/** A file's part of a diff: its header lines and its hunks, as original text. */
export interface DiffSection {
  path: string;
  header: string;
  hunks: string[];
  added: number;
  removed: number;
}

const GIT_HEADER = /^diff --git a\/(.+?) b\/(.+)$/;
const HUNK_HEADER = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/;

function fileName(raw: string): string | null {
  const name = raw.split('\t')[0]?.trim() ?? '';
  if (name === '/dev/null') return null;
  return name.replace(/^[ab]\//, '');
}

/** Split a unified diff (git or plain) into per-file sections; hunk bodies are consumed by their line counts, so content lines never look like headers. */
export function splitDiffSections(diff: string): DiffSection[] {
  const sections: DiffSection[] = [];
  const lines = diff.split('\n');
  let current: DiffSection | undefined;
  let index = 0;
  while (index < lines.length) {
    const line = lines[index] ?? '';
    const gitHeader = GIT_HEADER.exec(line);
    const isPlainHeader = line.startsWith('--- ') && (lines[index + 1] ?? '').startsWith('+++ ');
    if (gitHeader || (isPlainHeader && (!current || current.hunks.length > 0))) {
      current = { path: gitHeader?.[2] ?? '', header: line, hunks: [], added: 0, removed: 0 };
      sections.push(current);
      if (gitHeader) {
        index += 1;
        continue;
      }
    }
    if (!current) {
      index += 1;
      continue;
    }
    if (line.startsWith('--- ') && (lines[index + 1] ?? '').startsWith('+++ ')) {
      const before = fileName(line.slice(4));
      const after = fileName((lines[index + 1] ?? '').slice(4));
      current.path = after ?? before ?? current.path;
      current.header += current.header === line ? `\n${lines[index + 1] ?? ''}` : `\n${line}\n${lines[index + 1] ?? ''}`;
      index += 2;
      continue;
    }
    const hunkHeader = HUNK_HEADER.exec(line);
    if (hunkHeader) {
      let oldLeft = Number(hunkHeader[1] ?? '1');
      let newLeft = Number(hunkHeader[2] ?? '1');
      const hunk = [line];
      index += 1;
      while (index < lines.length && (oldLeft > 0 || newLeft > 0 || (lines[index] ?? '').startsWith('\\'))) {
        const body = lines[index] ?? '';
        if (body.startsWith('+')) {
          newLeft -= 1;
          current.added += 1;
        } else if (body.startsWith('-')) {
          oldLeft -= 1;
          current.removed += 1;
        } else if (!body.startsWith('\\')) {
          oldLeft -= 1;
          newLeft -= 1;
        }
        hunk.push(body);
        index += 1;
      }
      current.hunks.push(hunk.join('\n'));
      continue;
    }
    if (current.hunks.length === 0) current.header += `\n${line}`;
    index += 1;
  }
  return sections.filter((section) => section.path !== '');
}

/** List the files of a unified diff (git or plain), counting added and removed lines. */
export function listDiffFiles(diff: string): DiffFile[] {
  return splitDiffSections(diff).map(({ path, added, removed }) => ({ path, added, removed }));
}

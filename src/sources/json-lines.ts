import { open, readFile, stat, truncate } from 'node:fs/promises';

/** One parsed line of a JSONL file. */
export interface JsonLine {
  /** 1-based line number. */
  line: number;
  value: unknown;
}

export interface JsonLineProblem {
  line: number;
  message: string;
}

export interface ReadJsonLinesResult {
  rows: JsonLine[];
  problems: JsonLineProblem[];
  /** Byte length of the file up to the end of its last complete line (a kill mid-write leaves a tail after it). */
  completeBytes: number;
  /** True when the file ends in an unterminated line that does not parse: a write cut short. */
  hasTruncatedTail: boolean;
}

/** Parse JSONL text, line by line; a malformed line becomes a problem, never an exception. */
export function parseJsonLines(text: string): ReadJsonLinesResult {
  const rows: JsonLine[] = [];
  const problems: JsonLineProblem[] = [];
  const lines = text.split('\n');
  const endsWithNewline = text.endsWith('\n');
  let completeBytes = 0;
  let hasTruncatedTail = false;
  lines.forEach((raw, index) => {
    const isLast = index === lines.length - 1;
    if (isLast && raw === '') return;
    const isUnterminated = isLast && !endsWithNewline;
    const trimmed = raw.trim();
    if (trimmed !== '') {
      try {
        rows.push({ line: index + 1, value: JSON.parse(trimmed) as unknown });
      } catch (error) {
        if (isUnterminated) {
          hasTruncatedTail = true;
          return;
        }
        problems.push({ line: index + 1, message: `not valid JSON: ${(error as Error).message}` });
      }
    }
    if (!isUnterminated) completeBytes += Buffer.byteLength(raw, 'utf8') + 1;
  });
  if (!endsWithNewline && !hasTruncatedTail) completeBytes = Buffer.byteLength(text, 'utf8');
  return { rows, problems, completeBytes, hasTruncatedTail };
}

/** Read a JSONL file; a missing file reads as empty. */
export async function readJsonLines(filePath: string): Promise<ReadJsonLinesResult> {
  let text: string;
  try {
    text = await readFile(filePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { rows: [], problems: [], completeBytes: 0, hasTruncatedTail: false };
    throw error;
  }
  return parseJsonLines(text);
}

/** An append-only JSONL file: each append is one complete line written by one call. */
export interface JsonLinesAppender {
  append(value: unknown): Promise<void>;
  close(): Promise<void>;
}

/**
 * Open a JSONL file for appending after cutting off a truncated last line (left by a kill mid-write),
 * so the next line does not glue onto the fragment. A valid last line without a newline gets one.
 */
export async function openJsonLinesAppender(filePath: string, existing: ReadJsonLinesResult): Promise<JsonLinesAppender> {
  const size = await stat(filePath).then((info) => info.size).catch(() => 0);
  if (existing.hasTruncatedTail && size > existing.completeBytes) await truncate(filePath, existing.completeBytes);
  const handle = await open(filePath, 'a');
  const needsNewline = !existing.hasTruncatedTail && existing.completeBytes > 0 && size === existing.completeBytes && !(await endsWithNewline(filePath, size));
  if (needsNewline) await handle.appendFile('\n');
  return {
    async append(value) {
      await handle.appendFile(`${JSON.stringify(value)}\n`);
    },
    async close() {
      await handle.close();
    },
  };
}

async function endsWithNewline(filePath: string, size: number): Promise<boolean> {
  if (size === 0) return true;
  const handle = await open(filePath, 'r');
  try {
    const buffer = Buffer.alloc(1);
    await handle.read(buffer, 0, 1, size - 1);
    return buffer[0] === 0x0a;
  } finally {
    await handle.close();
  }
}

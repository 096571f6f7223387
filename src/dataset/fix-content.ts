import { createHash } from 'node:crypto';

/**
 * Normalize a unified diff to its content: the files and the changed lines, without headers,
 * index lines, hunk offsets or whitespace differences, so equal fixes hash equally.
 */
export function normalizeFixContent(patch: string): string {
  const kept: string[] = [];
  for (const rawLine of patch.replace(/\r\n/g, '\n').split('\n')) {
    if (rawLine.startsWith('+++ ') || rawLine.startsWith('--- ')) {
      kept.push(rawLine.replace(/^(\+\+\+|---) [ab]\//, '$1 '));
      continue;
    }
    if (rawLine.startsWith('+') || rawLine.startsWith('-')) {
      const body = rawLine.slice(1).replace(/\s+/g, ' ').trim();
      if (body.length > 0) kept.push(`${rawLine[0]}${body}`);
    }
  }
  return kept.join('\n');
}

/** Hash of the normalized fix content. */
export function hashFixContent(patch: string): string {
  return createHash('sha256').update(normalizeFixContent(patch)).digest('hex');
}

/** Count hunks and changed lines (added + removed) of a unified diff. */
export function measurePatch(patch: string): { hunks: number; lines: number; files: number } {
  let hunks = 0;
  let lines = 0;
  let files = 0;
  for (const line of patch.replace(/\r\n/g, '\n').split('\n')) {
    if (line.startsWith('@@')) hunks += 1;
    else if (line.startsWith('+++ ')) files += 1;
    else if ((line.startsWith('+') || line.startsWith('-')) && !line.startsWith('--- ')) lines += 1;
  }
  return { hunks, lines, files };
}

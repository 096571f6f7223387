import stripAnsi from 'strip-ansi';

/** Removes ANSI colour codes and turns CRLF / lone CR line ends into LF. */
export function normalizeOutput(text: string): string {
  const withoutColour = text.includes('\u001b') || text.includes('\u009b') ? stripAnsi(text) : text;
  return withoutColour.includes('\r') ? withoutColour.replace(/\r\n?/g, '\n') : withoutColour;
}

/** Splits normalised output into lines, dropping the empty string after a final newline. */
export function splitLines(text: string): string[] {
  const lines = normalizeOutput(text).split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Shortens a multi-line message to its first non-empty line, capped for use in a warning. */
export function firstLine(text: string, limit = 200): string {
  const line = normalizeOutput(text).split('\n').find((candidate) => candidate.trim() !== '') ?? '';
  const trimmed = line.trim();
  return trimmed.length > limit ? `${trimmed.slice(0, limit)}...` : trimmed;
}

import type { ReportInput } from '../core/tests.js';
import { normalizeOutput } from './output-text.js';

/** Where a report's text came from, or why there is none. */
export type ReportSource =
  | { kind: 'found'; text: string; origin: 'report file' | 'stdout' }
  | { kind: 'missing'; reason: string };

/**
 * Picks the report text: the report file when the gym wrote one, else the part of stdout that
 * holds the report (`findReportStart` finds where it starts). An empty report file is a failure,
 * never a fallback to stdout: the runner was asked to write a file and did not finish it.
 */
export function selectReportSource(
  input: ReportInput,
  label: string,
  findReportStart: (stdout: string) => number,
): ReportSource {
  if (input.reportFile !== undefined) {
    if (input.reportFile.trim() === '') {
      return { kind: 'missing', reason: `the ${label} report file is empty: the runner crashed or was killed before writing it` };
    }
    return { kind: 'found', text: input.reportFile, origin: 'report file' };
  }
  const stdout = normalizeOutput(input.stdout);
  const start = findReportStart(stdout);
  if (start < 0) {
    const what = stdout.trim() === '' ? 'stdout is empty' : 'stdout holds no report';
    return {
      kind: 'missing',
      reason: `no ${label} report: the report file is missing (or not configured) and ${what}`,
    };
  }
  return { kind: 'found', text: stdout.slice(start), origin: 'stdout' };
}

/**
 * Index of the last line that starts a JSON object containing `key` (else the last line starting
 * with `{`), or -1. The last: runners print their report when the run ends, so anything earlier is
 * output of the tests, and a test can print a whole fake report.
 */
export function findJsonObjectStart(text: string, key: string): number {
  const lastMatch = (pattern: RegExp): number => {
    let index = -1;
    for (const match of text.matchAll(pattern)) index = match.index;
    return index;
  };
  const withKey = lastMatch(new RegExp(`^\\{\\s*(?:\\n\\s*)?"${key}"`, 'gm'));
  return withKey >= 0 ? withKey : lastMatch(/^\{/gm);
}

/** Parses the JSON object at the start of `text`, ignoring lines printed after it. */
export function parseLeadingJson(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    // Runners print noise after the report (console output, "JSON report written to ...").
    let end = text.lastIndexOf('}');
    // Bounded: a truncated report has no valid end, and retrying at every brace would be quadratic.
    for (let attempt = 0; attempt < 20 && end > 0; attempt += 1) {
      try {
        return { value: JSON.parse(text.slice(0, end + 1)) };
      } catch {
        end = text.lastIndexOf('}', end - 1);
      }
    }
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

import type { ParsedReport, ReportInput, ReportParser } from '../core/tests.js';
import { splitLines } from './output-text.js';
import { createNoEvidenceReport, createReport } from './parsed-report.js';
import { TestIdRecorder } from './test-ids.js';

type Outcome = 'PASSED' | 'FAILED' | 'SKIPPED';

// XFAIL did not count (as pytest's JUnit skipped); XPASS passed (strict xpass is reported FAILED).
const OUTCOME_BY_WORD: Record<string, Outcome> = {
  PASSED: 'PASSED',
  FAILED: 'FAILED',
  ERROR: 'FAILED',
  SKIPPED: 'SKIPPED',
  XFAIL: 'SKIPPED',
  XPASS: 'PASSED',
};
/** The final line's count words, by the summary word they count. */
const COUNT_WORDS: Record<string, string> = {
  passed: 'PASSED', failed: 'FAILED', error: 'ERROR', errors: 'ERROR', skipped: 'SKIPPED', xfailed: 'XFAIL', xpassed: 'XPASS',
};
const WORDS = 'PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS';
/** `-rA` short summary: `FAILED tests/x.py::test_y - message`. */
const SUMMARY_LINE = new RegExp(`^(${WORDS}) (.+)$`);
/** `-v` progress: `tests/x.py::test_y SKIPPED (reason) [ 10%]`. */
const VERBOSE_SKIP_LINE = /^(\S.*?) SKIPPED(?: \(.*\))?\s*(?:\[\s*\d+%\])?\s*$/;
const SUMMARY_HEADER = /^=+ short test summary info =+$/;
/** The final line: `==== 3 failed, 10 passed in 0.09s ====`, `no tests ran in 0.01s`, or the -q form. */
const FINAL_LINE = /^=*\s*((?:\d+ [a-z]+(?:, )?)+|no tests ran)(?: in [\d.]+s(?: \([^)]*\))?)\s*=*$/;

/** The node id at the start of a summary line, cut at the first ` - ` outside brackets. */
function takeNodeId(rest: string): string {
  let depth = 0;
  for (let index = 0; index < rest.length; index += 1) {
    const character = rest[index];
    if (character === '[') depth += 1;
    else if (character === ']') depth = Math.max(0, depth - 1);
    else if (depth === 0 && character === ' ' && rest.startsWith(' - ', index)) return rest.slice(0, index);
  }
  return rest.trimEnd();
}

function looksLikeNodeId(text: string): boolean {
  return text.includes('::') || /\.py$/.test(text);
}

function findLast(lines: string[], pattern: RegExp, before = lines.length): number {
  for (let index = Math.min(before, lines.length) - 1; index >= 0; index -= 1) {
    if (pattern.test((lines[index] ?? '').trim())) return index;
  }
  return -1;
}

/** Summary headers followed by a final line before the next header: each is a whole pytest summary. */
function countCompleteSections(lines: string[]): number {
  let complete = 0;
  let open = false;
  for (const line of lines) {
    const trimmed = line.trim();
    if (SUMMARY_HEADER.test(trimmed)) open = true;
    else if (open && FINAL_LINE.test(trimmed)) {
      complete += 1;
      open = false;
    }
  }
  return complete;
}

/** `3 failed, 10 passed, 1 error` → counts by summary word. */
function readFinalCounts(finalLine: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const match of finalLine.matchAll(/(\d+) ([a-z]+)/g)) {
    const word = COUNT_WORDS[match[2] ?? ''];
    if (word) counts.set(word, (counts.get(word) ?? 0) + Number.parseInt(match[1] ?? '0', 10));
  }
  return counts;
}

/**
 * pytest console output with `-rA`. Only pytest's own final section is read: the last "short test
 * summary info" header up to the last `=== ... in 0.12s ===` line, and only when the output holds exactly one
 * complete summary (a second one, printed by a test before or after pytest's, refuses the report). Everything before it (captured
 * output of passing and failing tests, `-s` output, progress lines) is text a test can print, and a
 * `FAILED tests/x.py::ghost` there is never a result. The section's lines must agree with the final
 * line's counts: more lines of an outcome than pytest counted means something printed into the
 * section (a thread still running), and the report is refused. `-rA` lists skipped tests as
 * `SKIPPED [n] file:line: reason`; their node ids are taken from `-v` progress lines only when
 * exactly as many of those exist as pytest counted, else they are counted in a warning.
 */
function parsePytestRa(input: ReportInput): ParsedReport {
  const text = input.reportFile ?? input.stdout;
  if (input.reportFile !== undefined && input.reportFile.trim() === '') {
    return createNoEvidenceReport('pytest-ra', 'the pytest output file is empty: pytest crashed or was killed before writing it');
  }
  let lines = splitLines(text);
  let finalIndex = findLast(lines, FINAL_LINE);
  if (finalIndex < 0 && input.reportFile === undefined) {
    // A gym that sends pytest's output to stderr (2>&1 reversed); stdout holds nothing pytest wrote.
    const stderrLines = splitLines(input.stderr);
    const stderrFinal = findLast(stderrLines, FINAL_LINE);
    if (stderrFinal >= 0) [lines, finalIndex] = [stderrLines, stderrFinal];
  }
  if (finalIndex < 0) {
    const printedNothing = lines.length === 0 && input.stderr.trim() === '';
    return createNoEvidenceReport(
      'pytest-ra',
      printedNothing
        ? 'pytest printed nothing: it did not start'
        : 'no pytest results: no final summary line ("=== ... in 0.12s ==="): pytest crashed, was killed, or is not the runner',
    );
  }
  const finalLine = (lines[finalIndex] ?? '').trim();
  const finalCounts = readFinalCounts(finalLine);
  const headerIndex = findLast(lines, SUMMARY_HEADER, finalIndex);
  const complete = countCompleteSections(lines);
  if (complete > 1) {
    // pytest prints one summary; a second complete one (header, then a final line before the next header) was
    // printed by a test, before pytest's (captured or past the capture) or after it (atexit). Which is pytest's
    // cannot be told from the text, so none is trusted.
    return createNoEvidenceReport(
      'pytest-ra',
      `the output holds ${complete} complete pytest summaries ("short test summary info" ... "in N.NNs"), where pytest prints one: a test printed the others, so no result is trusted (a gym whose own tests print pytest sessions, such as a pytest plugin tested with pytester, should use the pytest-junit format)`,
    );
  }
  const recorder = new TestIdRecorder('merge');
  const warnings: string[] = [];
  const sectionCounts = new Map<string, number>();
  let anonymousSkips = 0;
  if (headerIndex < 0) {
    const counted = [...finalCounts.values()].reduce((sum, count) => sum + count, 0);
    if (counted > 0) {
      return createNoEvidenceReport('pytest-ra', `pytest reported "${finalLine}" but printed no "short test summary info" section: run pytest with -rA`);
    }
    return createReport('pytest-ra', recorder, true, warnings);
  }
  for (const line of lines.slice(headerIndex + 1, finalIndex)) {
    const summary = SUMMARY_LINE.exec(line);
    if (!summary) continue;
    const word = summary[1] ?? '';
    const rest = summary[2] ?? '';
    if (word === 'SKIPPED' && /^\[\d+\] /.test(rest)) {
      const count = Number.parseInt(rest.slice(1), 10) || 1;
      anonymousSkips += count;
      sectionCounts.set(word, (sectionCounts.get(word) ?? 0) + count);
      continue;
    }
    const nodeId = takeNodeId(rest);
    const outcome = OUTCOME_BY_WORD[word];
    if (!outcome || !looksLikeNodeId(nodeId)) continue;
    sectionCounts.set(word, (sectionCounts.get(word) ?? 0) + 1);
    // `FAILED id - message`: pytest's one-line reason (truncated by pytest to the terminal width).
    const message = rest.startsWith(' - ', nodeId.length) ? rest.slice(nodeId.length + 3) : undefined;
    recorder.record(nodeId, outcome, message);
  }
  const excess = [...sectionCounts].filter(([word, count]) => count > (finalCounts.get(word) ?? 0));
  if (excess.length > 0) {
    const detail = excess.map(([word, count]) => `${count} ${word} line(s), ${finalCounts.get(word) ?? 0} counted`).join('; ');
    return createNoEvidenceReport(
      'pytest-ra',
      `pytest's short test summary disagrees with its final line "${finalLine}" (${detail}): something other than pytest printed into it, so no result is trusted`,
    );
  }
  if (anonymousSkips > 0) {
    const verboseSkips = lines.slice(0, headerIndex).flatMap((line) => {
      const id = VERBOSE_SKIP_LINE.exec(line)?.[1];
      return id !== undefined && looksLikeNodeId(id) ? [id] : [];
    });
    if (verboseSkips.length === anonymousSkips) {
      for (const id of verboseSkips) if (!Object.hasOwn(recorder.tests, id)) recorder.record(id, 'SKIPPED');
    } else {
      warnings.push(`${anonymousSkips} skipped test(s) were reported without node ids (pytest -rA prints file:line only); run pytest with -v to get their ids`);
    }
  }
  return createReport('pytest-ra', recorder, true, warnings);
}

/** pytest console output with `-rA` (and optionally `-v`). */
export const pytestRaParser: ReportParser = { format: 'pytest-ra', parse: parsePytestRa };

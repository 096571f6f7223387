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
const WORDS = 'PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS';
/** `-rA` short summary: `FAILED tests/x.py::test_y - message`. */
const SUMMARY_LINE = new RegExp(`^(${WORDS}) (.+)$`);
/** `-v` progress: `tests/x.py::test_y PASSED   [ 10%]`, optionally `(reason)` after the word. */
const VERBOSE_LINE = new RegExp(`^(\\S.*?) (${WORDS})(?: \\(.*\\))?\\s*(?:\\[\\s*\\d+%\\])?\\s*$`);
/** pytest-xdist progress: `[gw0] [ 50%] PASSED tests/x.py::test_y`. */
const XDIST_LINE = new RegExp(`^\\[gw\\d+\\] \\[\\s*\\d+%\\] (${WORDS}) (.+)$`);
/** The final line: `==== 3 failed, 10 passed in 0.09s ====`, `no tests ran in 0.01s`, or the -q form. */
const FINAL_LINE = /^=*\s*(?:(?:\d+ [a-z]+(?:, )?)+|no tests ran)(?: in [\d.]+s(?: \([^)]*\))?)\s*=*$/;

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

/**
 * pytest console output with `-rA` (short summary of every outcome) and, when present, `-v`
 * progress lines. Ids are pytest node ids. `-rA` lists skipped tests as `SKIPPED [n] file:line:
 * reason` without a node id: those are counted in a warning, never turned into invented ids
 * (add `-v` to get them). ERROR (setup/teardown/collection) counts as FAILED; a node id reported
 * twice keeps the worse outcome.
 */
function parsePytestRa(input: ReportInput): ParsedReport {
  const lines = [...splitLines(input.stdout), ...splitLines(input.stderr)];
  const recorder = new TestIdRecorder('merge');
  const warnings: string[] = [];
  let hasFinalLine = false;
  let anonymousSkips = 0;
  let verboseSkips = 0;
  for (const line of lines) {
    const summary = SUMMARY_LINE.exec(line) ?? XDIST_LINE.exec(line);
    if (summary) {
      const word = summary[1] ?? '';
      const rest = summary[2] ?? '';
      if (word === 'SKIPPED' && /^\[\d+\] /.test(rest)) {
        anonymousSkips += Number.parseInt(rest.slice(1), 10) || 1;
        continue;
      }
      const nodeId = takeNodeId(rest);
      const outcome = OUTCOME_BY_WORD[word];
      if (outcome && looksLikeNodeId(nodeId)) recorder.record(nodeId, outcome);
      continue;
    }
    const verbose = VERBOSE_LINE.exec(line);
    if (verbose && looksLikeNodeId(verbose[1] ?? '')) {
      const outcome = OUTCOME_BY_WORD[verbose[2] ?? ''];
      if (verbose[2] === 'SKIPPED') verboseSkips += 1;
      if (outcome) recorder.record(verbose[1] ?? '', outcome);
      continue;
    }
    if (FINAL_LINE.test(line.trim())) hasFinalLine = true;
  }
  if (anonymousSkips > verboseSkips) {
    warnings.push(`${anonymousSkips} skipped test(s) were reported without node ids (pytest -rA prints file:line only); run pytest with -v to get their ids`);
  }
  if (!hasFinalLine && recorder.size === 0) {
    return createNoEvidenceReport(
      'pytest-ra',
      lines.length === 0
        ? 'pytest printed nothing: it did not start'
        : 'no pytest results and no final summary line ("=== ... in 0.12s ==="): pytest crashed or is not the runner',
      warnings,
    );
  }
  if (!hasFinalLine) warnings.push('pytest output has no final summary line; it was probably truncated or killed');
  return createReport('pytest-ra', recorder, true, warnings);
}

/** pytest console output with `-rA` (and optionally `-v`). */
export const pytestRaParser: ReportParser = { format: 'pytest-ra', parse: parsePytestRa };

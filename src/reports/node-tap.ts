import type { ParsedReport, ReportInput, ReportParser } from '../core/tests.js';
import { createPathRelativizer, looksLikeAbsolutePath } from './file-paths.js';
import { splitLines } from './output-text.js';
import { createNoEvidenceReport, createReport } from './parsed-report.js';
import { TestIdRecorder } from './test-ids.js';

const INDENT = 4;
const SUBTEST = /^( *)# Subtest: (.*)$/;
// A directive is an unescaped ` # WORD`; only SKIP and TODO change the status, others (`# time=6ms`) are dropped from the name.
const RESULT = /^( *)(not ok|ok) \d+(?: - (.*?))?(?: # ([A-Za-z]+)\b.*)?$/;
const PLAN = /^( *)1\.\.(\d+)/;
const SUMMARY = /^# (tests|pass|fail) \d+$/;
const YAML_KEY = /^( +)(type|failureType): '?([^']*)'?$/;

interface TapResult {
  depth: number;
  path: string[];
  isOk: boolean;
  directive: string | undefined;
  hasChildren: boolean;
  type: string | undefined;
  failureType: string | undefined;
}

function unescapeName(name: string): string {
  return name.replace(/\\([#\\])/g, '$1');
}

/** Reads TAP result lines with their subtest path and the YAML keys that matter. */
function readTapResults(lines: string[]): { results: TapResult[]; hasPlan: boolean; hasSummary: boolean } {
  const results: TapResult[] = [];
  const names: string[] = [];
  const childSeenAtDepth: boolean[] = [];
  let hasPlan = false;
  let hasSummary = false;
  let last: TapResult | undefined;
  for (const line of lines) {
    const subtest = SUBTEST.exec(line);
    if (subtest) {
      const depth = Math.floor((subtest[1] ?? '').length / INDENT);
      names[depth] = unescapeName(subtest[2] ?? '');
      names.length = depth + 1;
      childSeenAtDepth[depth + 1] = false;
      last = undefined;
      continue;
    }
    const result = RESULT.exec(line);
    if (result) {
      const depth = Math.floor((result[1] ?? '').length / INDENT);
      // The description is authoritative; the Subtest line only names it in advance.
      const title = result[3] !== undefined ? unescapeName(result[3]) : names[depth] ?? '';
      last = {
        depth,
        path: [...names.slice(0, depth), title],
        isOk: result[2] === 'ok',
        directive: result[4],
        hasChildren: childSeenAtDepth[depth + 1] === true,
        type: undefined,
        failureType: undefined,
      };
      results.push(last);
      childSeenAtDepth[depth] = true;
      childSeenAtDepth[depth + 1] = false;
      continue;
    }
    const plan = PLAN.exec(line);
    if (plan) {
      if ((plan[1] ?? '').length === 0) hasPlan = true;
      continue;
    }
    if (SUMMARY.test(line)) {
      hasSummary = true;
      continue;
    }
    const yamlKey = last ? YAML_KEY.exec(line) : null;
    // Only keys of the result's own YAML block (indented two past the result line) count.
    if (last && yamlKey && (yamlKey[1] ?? '').length === last.depth * INDENT + 2) {
      if (yamlKey[2] === 'type') last.type = yamlKey[3];
      else last.failureType = yamlKey[3];
    }
  }
  return { results, hasPlan, hasSummary };
}

/**
 * node:test `--test-reporter=tap`. Id: the nested test names joined with ' > '. Node 20 does not
 * wrap tests in a per-file subtest and prints a test's file only when it fails, so passing tests
 * carry no file (using the failure location would change ids between states); a test named by an
 * absolute path (a file that crashed, or per-file wrappers in other Node versions) is made
 * relative. Reported: leaves, tests that have subtests (they run code of their own), and suites
 * that fail for a reason of their own (a hook), never a suite that only failed because a subtest did.
 */
function parseNodeTap(input: ReportInput): ParsedReport {
  if (input.reportFile !== undefined && input.reportFile.trim() === '') {
    return createNoEvidenceReport('node-tap', 'the TAP report file is empty: node --test crashed or was killed before writing it');
  }
  // node:test prints what test files write to stdout as `# ` comments, so results on its TAP stream are its own.
  const lines = splitLines(input.reportFile ?? input.stdout);
  const { results, hasPlan, hasSummary } = readTapResults(lines);
  const warnings: string[] = [];
  if (results.length === 0 && !hasPlan && !hasSummary) {
    const reason = lines.length === 0 ? 'node --test printed nothing: it did not start' : 'no TAP results, plan or summary on stdout: node --test did not run the suite (or the reporter is not TAP)';
    return createNoEvidenceReport('node-tap', reason);
  }
  if (!hasPlan && !hasSummary) warnings.push('the TAP output has no final plan or summary; it was probably truncated');
  const paths = createPathRelativizer(
    results.flatMap((result) => result.path.filter(looksLikeAbsolutePath)),
    input.rootDirectory,
  );
  if (paths.fallbackWarning && results.some((result) => result.path.some(looksLikeAbsolutePath))) warnings.push(paths.fallbackWarning);
  const recorder = new TestIdRecorder('disambiguate');
  for (const result of results) {
    if (result.hasChildren && result.type === 'suite' && (result.isOk || result.failureType === 'subtestsFailed')) continue;
    const id = result.path.map((name) => (looksLikeAbsolutePath(name) ? paths.relativize(name) : name)).join(' > ');
    const isSkipped = result.directive !== undefined && /^(skip|todo)$/i.test(result.directive);
    const status = isSkipped ? 'SKIPPED' : result.isOk ? 'PASSED' : 'FAILED';
    recorder.record(id, status);
  }
  return createReport('node-tap', recorder, true, warnings);
}

/** node:test TAP reporter output on stdout. */
export const nodeTapParser: ReportParser = { format: 'node-tap', parse: parseNodeTap };

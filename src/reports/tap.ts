import { Parser, type Result } from 'tap-parser';
import type { ParsedReport, ReportInput, ReportParser } from '../core/tests.js';
import { createPathRelativizer, looksLikeAbsolutePath } from './file-paths.js';
import { normalizeOutput } from './output-text.js';
import { createNoEvidenceReport, createReport } from './parsed-report.js';
import { TestIdRecorder } from './test-ids.js';

type Outcome = 'PASSED' | 'FAILED' | 'SKIPPED';

/** One TAP (sub)stream as tap-parser read it: its test points in order, its plan, its subtests. */
interface TapStream {
  name: string;
  points: { result: Result; block: string | undefined; child: TapStream | undefined }[];
  /** `# SKIP name` comments: tape's skipped blocks, which have no test point of their own. */
  skippedBlocks: string[];
  plan: { start: number; end: number } | undefined;
  hasChildren: boolean;
}

/** tape's end-of-run counts and tap's per-subtest summaries are comments too, but scope nothing. */
const SUMMARY_COMMENT = /^(tests|pass|fail|ok|skip|todo|failed|time)\b/;

/** Feeds the text to tap-parser (synchronous for a string) and collects every stream it finds. */
function readTapStreams(text: string): { root: TapStream; tapErrors: string[]; bailout: string | undefined; sawTap: boolean } {
  const parser = new Parser();
  const tapErrors: string[] = [];
  let bailout: string | undefined;
  let sawTap = false;
  const attach = (stream: TapStream, source: Parser): void => {
    let block: string | undefined;
    let lastChild: TapStream | undefined;
    source.on('version', () => { sawTap = true; });
    source.on('comment', (comment: string) => {
      const text = comment.replace(/^#\s?/, '').trim();
      if (text.startsWith('Subtest:') || SUMMARY_COMMENT.test(text)) return;
      const skipped = /^SKIP (.+)$/.exec(text);
      if (skipped?.[1]) stream.skippedBlocks.push(skipped[1]);
      block = text.replace(/^(SKIP|TODO) /, '');
    });
    source.on('child', (childParser: Parser) => {
      stream.hasChildren = true;
      lastChild = { name: childParser.name, points: [], skippedBlocks: [], plan: undefined, hasChildren: false };
      attach(lastChild, childParser);
    });
    source.on('assert', (result: Result) => {
      sawTap = true;
      const child = result.closingTestPoint ? lastChild : undefined;
      stream.points.push({ result, block, child });
      if (result.closingTestPoint) lastChild = undefined;
    });
    source.on('plan', (plan: { start: number; end: number }) => {
      // tap-parser invents `1..0` for a stream with no TAP at all; that is no plan.
      if (source.syntheticPlan) return;
      sawTap = true;
      stream.plan = { start: plan.start, end: plan.end };
    });
  };
  const root: TapStream = { name: '', points: [], skippedBlocks: [], plan: undefined, hasChildren: false };
  attach(root, parser);
  parser.on('bailout', (reason: string) => { bailout = reason || 'no reason given'; });
  parser.on('complete', (results: { failures: { tapError?: string | null }[] }) => {
    // A missing plan is reported by findNumberingProblem, with its own reason.
    for (const failure of results.failures) if (failure.tapError && failure.tapError !== 'no plan') tapErrors.push(failure.tapError);
  });
  parser.end(text);
  return { root, tapErrors, bailout, sawTap };
}

/** Why a stream's numbering cannot be its producer's own (a test printed test points), or undefined. */
function findNumberingProblem(stream: TapStream, path: string[], isRoot: boolean, hasBailedOut: boolean): string | undefined {
  const where = path.length === 0 ? 'the TAP stream' : `subtest ${path.join(' > ')}`;
  if (isRoot && stream.plan === undefined && !hasBailedOut) {
    return `${where} has no plan (1..N): the producer stopped before its end (a crash, a kill, or a test calling process.exit), so its results are incomplete`;
  }
  const start = stream.plan?.start ?? 1;
  const outOfOrder = stream.points.findIndex((point, index) => point.result.id !== start + index);
  if (outOfOrder >= 0) {
    return `${where}: test point ${stream.points[outOfOrder]?.result.id} where ${start + outOfOrder} was due`;
  }
  if (stream.plan && !hasBailedOut && stream.points.length !== stream.plan.end - stream.plan.start + 1) {
    return `${where}: ${stream.points.length} test points for the plan ${stream.plan.start}..${stream.plan.end}`;
  }
  for (const point of stream.points) {
    if (!point.child) continue;
    const problem = findNumberingProblem(point.child, [...path, point.child.name], false, hasBailedOut);
    if (problem) return problem;
  }
  return undefined;
}

function outcomeOf(result: Result): Outcome {
  if (result.skip !== false || result.todo !== false) return 'SKIPPED';
  return result.ok ? 'PASSED' : 'FAILED';
}

/**
 * Generic TAP 13/14 (tape, tap, ava --tap, anything that writes TAP), read with tapjs's tap-parser.
 * Ids: the subtest names (`# Subtest:`) joined with ' > ', then the test point's description without
 * its directive (`# time=6.198ms` is dropped; `# SKIP` and `# TODO` make it SKIPPED). A stream without
 * subtests (tape) is scoped by its comment lines instead: `# block` then `ok 1 assertion` is
 * `block > assertion`. A subtest's closing test point is recorded only when the subtest had no test
 * points of its own. Level: assertion, except for a flat stream without comments (ava): test.
 *
 * Tests write to the same stdout as the producer, so the numbering is checked: every stream's test
 * points must run start..end of its plan, in order, exactly once, and the top-level stream must have
 * a plan. A printed `ok 5 ghost` always breaks this (the producer's own points keep their numbers and
 * the plan counts only them), and then the whole report is refused.
 */
function parseTap(input: ReportInput): ParsedReport {
  if (input.reportFile !== undefined && input.reportFile.trim() === '') {
    return createNoEvidenceReport('tap', 'the TAP report file is empty: the producer crashed or was killed before writing it');
  }
  const text = normalizeOutput(input.reportFile ?? input.stdout);
  const { root, tapErrors, bailout, sawTap } = readTapStreams(text);
  if (!sawTap) {
    return createNoEvidenceReport('tap', text.trim() === '' ? 'the TAP producer printed nothing: it did not start' : 'no TAP version, plan or test point in the output: the suite did not run (or the reporter is not TAP)');
  }
  const numbering = findNumberingProblem(root, [], true, bailout !== undefined);
  const problem = tapErrors[0] ?? numbering;
  if (problem !== undefined) {
    const isCut = problem === numbering && root.plan === undefined;
    return createNoEvidenceReport(
      'tap',
      isCut ? `${problem}; no result is trusted` : `${problem}; test points were printed by something other than the TAP producer (or two producers share one stream), so no result is trusted`,
    );
  }
  const warnings: string[] = bailout === undefined ? [] : [`the TAP producer bailed out (${bailout}); later tests did not run`];
  const names: string[] = [];
  const collectNames = (stream: TapStream): void => {
    for (const point of stream.points) {
      names.push(point.result.name);
      if (point.child) collectNames(point.child);
    }
  };
  collectNames(root);
  const paths = createPathRelativizer(names.filter(looksLikeAbsolutePath), input.rootDirectory);
  if (paths.fallbackWarning && names.some(looksLikeAbsolutePath)) warnings.push(paths.fallbackWarning);
  const nameOf = (name: string): string => (looksLikeAbsolutePath(name) ? paths.relativize(name) : name);
  const recorder = new TestIdRecorder('disambiguate');
  const scopeByComments = !root.hasChildren;
  const record = (stream: TapStream, path: string[]): void => {
    for (const point of stream.points) {
      const name = nameOf(point.result.name);
      if (point.child && point.child.points.length > 0) {
        record(point.child, [...path, name]);
        continue;
      }
      const scope = scopeByComments && point.block !== undefined ? [point.block] : [];
      recorder.record([...path, ...scope, name].join(' > '), outcomeOf(point.result));
    }
    if (scopeByComments) for (const block of stream.skippedBlocks) recorder.record([...path, block].join(' > '), 'SKIPPED');
  };
  record(root, []);
  // Subtests' own test points (tap) and comment-scoped blocks (tape) are assertions; a flat stream (ava) is tests.
  const isAssertionLevel = root.hasChildren || (scopeByComments && root.points.some((point) => point.block !== undefined));
  return createReport('tap', recorder, true, warnings, isAssertionLevel ? 'assertion' : 'test');
}

/** TAP from tape, tap, ava --tap or any TAP producer (stdout or a report file). */
export const tapParser: ReportParser = { format: 'tap', parse: parseTap };

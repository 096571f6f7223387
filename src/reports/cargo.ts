import type { ParsedReport, ReportInput, ReportParser } from '../core/tests.js';
import { firstLine, splitLines } from './output-text.js';
import { createNoEvidenceReport, createReport } from './parsed-report.js';
import { TestIdRecorder } from './test-ids.js';

/** `Running unittests src/lib.rs (target/debug/deps/mylib-0123456789abcdef)`, `Running tests/x.rs (...)`, `Running target/debug/deps/x-...`. */
const RUNNING_HEADER = /^\s+Running (?:(?:unittests )?(\S+) \(([^)]+)\)|(\S+))\s*$/;
const DOC_TESTS_HEADER = /^\s+Doc-tests (\S+)\s*$/;
const RUNNING_BLOCK = /^running (\d+) tests?$/;
const RESULT_LINE = /^test (.+?) \.\.\. (ok|FAILED|ignored(?:, .*)?|bench:.*)$/;
const SUMMARY_LINE = /^test result: (ok|FAILED)\. /;
const COMPILE_ERROR = /^error: could not compile `([^`]+)`/;
const TARGET_FAILED = /^error: test failed, to rerun pass /;
const TARGETS_FAILED_SUMMARY = /^error: \d+ targets? failed/;

/** The crate name of a test binary: `target/debug/deps/my_lib-0123456789abcdef` → `my_lib`. */
function crateOfBinary(binaryPath: string): string {
  const base = binaryPath.replace(/\\/g, '/').split('/').pop() ?? binaryPath;
  return base.replace(/\.exe$/, '').replace(/-[0-9a-f]{16}$/, '');
}

function targetOfHeader(line: string): string | undefined {
  const running = RUNNING_HEADER.exec(line);
  if (running) return crateOfBinary(running[2] ?? running[3] ?? '');
  const docTests = DOC_TESTS_HEADER.exec(line);
  return docTests ? docTests[1] : undefined;
}

type Outcome = 'PASSED' | 'FAILED' | 'SKIPPED';

/** One `running N tests` block: one test binary's results, up to its own `test result:` line. */
interface TestBlock {
  target: string | undefined;
  announced: number;
  results: { name: string; status: Outcome; isMeasured: boolean }[];
  /** Counts from the block's `test result:` line; undefined when the binary never printed one. */
  summary: Record<'passed' | 'failed' | 'ignored' | 'measured', number> | undefined;
  /** Captured output by test name, from the `---- name stdout ----` sections after `failures:`. */
  captured: Map<string, string[]>;
}

/** `---- tests::x stdout ----`: libtest's header over a failed test's captured output (its panic message). */
const CAPTURED_TEST_HEADER = /^---- (.+) std(?:out|err) ----$/;
/** Lines of a panic that say nothing about the failure: the backtrace hint. */
const PANIC_NOISE = /^note: run with `RUST_BACKTRACE=/;
/** Kept per captured section: the panic message and a little around it. */
const CAPTURED_LINES_KEPT = 40;

/** A captured line, without the thread id newer Rust prints (`thread 'x' (17101) panicked`): it differs on every run. */
function stableCapturedLine(line: string): string {
  return line.replace(/^(thread '[^']*') \(\d+\) panicked/, '$1 panicked');
}

/** `src/lib.rs - double (line 5)` (and `... (line 5) - compile fail`): the doc test without its line number. */
const DOC_TEST_NAME = /^(.*) \(line (\d+)\)((?: - .*)?)$/;
const SUMMARY_COUNTS = /(\d+) (passed|failed|ignored|measured);/g;
/** libtest prints captured output of failed tests (and with --show-output, of passed ones) after these. */
const CAPTURED_OUTPUT_HEADER = /^(failures|successes):$/;

function readSummary(line: string): TestBlock['summary'] {
  const summary = { passed: 0, failed: 0, ignored: 0, measured: 0 };
  for (const match of line.matchAll(SUMMARY_COUNTS)) summary[match[2] as keyof typeof summary] = Number.parseInt(match[1] ?? '0', 10);
  return summary;
}

/** Why a finished block's results cannot be libtest's own, or undefined when they agree with its summary. */
function findInconsistency(block: TestBlock): string | undefined {
  const { summary, results, announced } = block;
  if (results.length > announced) return `${results.length} result lines for ${announced} announced test(s)`;
  if (!summary) return undefined;
  const read = {
    passed: results.filter((result) => result.status === 'PASSED' && !result.isMeasured).length,
    failed: results.filter((result) => result.status === 'FAILED').length,
    ignored: results.filter((result) => result.status === 'SKIPPED').length,
    measured: results.filter((result) => result.isMeasured).length,
  };
  const differing = (Object.keys(read) as (keyof typeof read)[]).filter((key) => read[key] !== summary[key]);
  if (differing.length === 0) return undefined;
  return differing.map((key) => `${read[key]} ${key} read, libtest counted ${summary[key]}`).join('; ');
}

/** Doc tests in one block, ordered by line so `[2]` numbering follows the source, not completion order. */
function orderDocTests(results: TestBlock['results']): TestBlock['results'] {
  const lineOf = (name: string): number => Number.parseInt(DOC_TEST_NAME.exec(name)?.[2] ?? '0', 10);
  const docTests = results.filter((result) => DOC_TEST_NAME.test(result.name)).sort((left, right) => lineOf(left.name) - lineOf(right.name));
  return [...results.filter((result) => !DOC_TEST_NAME.test(result.name)), ...docTests];
}

function idOf(target: string | undefined, name: string): string {
  const doc = DOC_TEST_NAME.exec(name);
  const stable = doc ? `${doc[1] ?? ''}${doc[3] ?? ''}` : name;
  return target === undefined ? stable : `${target}::${stable}`;
}

/**
 * cargo test / libtest text output. Id: `<test crate>::<module path>::<test>`, where the test
 * crate is the binary's crate name from cargo's `Running` / `Doc-tests` headers (the library's
 * unit tests are `mylib::tests::x`, an integration test file `tests/api.rs` is `api::x`, doc
 * tests `mylib::src/lib.rs - add`, without libtest's `(line 5)` so a fix that moves lines keeps
 * the id; several examples on one item are told apart by line order, `[2]`). cargo prints the
 * headers on stderr and results on stdout; when they come apart the k-th `running N tests` block
 * is paired with the k-th header. A ` - should panic` suffix is dropped.
 *
 * A test can write libtest-looking lines to stdout (`io::stdout()` bypasses capture; so does
 * `--nocapture`), so results are read only between `running N tests` and the block's
 * `failures:` / `test result:` line, and a block must agree with libtest's own counts: more result
 * lines than announced, or counts unlike its `test result:` line, refuse the whole report. A block
 * that never printed its summary (the binary crashed or was killed) keeps only its failures.
 */
function parseCargo(input: ReportInput): ParsedReport {
  const text = input.reportFile ?? input.stdout;
  if (input.reportFile !== undefined && input.reportFile.trim() === '') {
    return createNoEvidenceReport('cargo', 'the cargo test output file is empty: cargo crashed or was killed before writing it');
  }
  const stdoutLines = splitLines(text);
  const stderrLines = splitLines(input.stderr);
  const warnings: string[] = [];
  const headersInline = stdoutLines.some((line) => targetOfHeader(line) !== undefined);
  const separateTargets = headersInline ? [] : stderrLines.flatMap((line) => targetOfHeader(line) ?? []);
  const blockCount = stdoutLines.filter((line) => RUNNING_BLOCK.test(line)).length;
  if (!headersInline) {
    if (separateTargets.length === 0 && blockCount > 0) {
      warnings.push('no cargo "Running" headers found (stderr not captured?); ids are not qualified by test crate');
    } else if (separateTargets.length !== blockCount) {
      warnings.push(`${separateTargets.length} cargo target header(s) on stderr but ${blockCount} "running N tests" block(s) on stdout; targets were paired in order`);
    }
  }

  const blocks: TestBlock[] = [];
  let target: string | undefined;
  let block: TestBlock | undefined;
  let isReading = false;
  let capturedLines: string[] | undefined;
  for (const line of stdoutLines) {
    const header = headersInline ? targetOfHeader(line) : undefined;
    if (header !== undefined) {
      target = header;
      block = undefined;
      continue;
    }
    const running = RUNNING_BLOCK.exec(line);
    if (running) {
      if (!headersInline) target = separateTargets[blocks.length];
      block = { target, announced: Number.parseInt(running[1] ?? '0', 10), results: [], summary: undefined, captured: new Map() };
      blocks.push(block);
      isReading = true;
      capturedLines = undefined;
      continue;
    }
    if (!block) continue;
    if (SUMMARY_LINE.test(line)) {
      block.summary = readSummary(line);
      isReading = false;
      capturedLines = undefined;
      continue;
    }
    if (CAPTURED_OUTPUT_HEADER.test(line)) {
      isReading = false;
      capturedLines = undefined;
      continue;
    }
    const capturedHeader = isReading ? null : CAPTURED_TEST_HEADER.exec(line);
    if (capturedHeader) {
      capturedLines = [];
      block.captured.set(capturedHeader[1] ?? '', capturedLines);
      continue;
    }
    if (capturedLines !== undefined) {
      if (capturedLines.length < CAPTURED_LINES_KEPT && !PANIC_NOISE.test(line)) capturedLines.push(stableCapturedLine(line));
      continue;
    }
    const result = isReading ? RESULT_LINE.exec(line) : null;
    if (result) {
      const word = result[2] ?? '';
      const status = word === 'FAILED' ? 'FAILED' : word.startsWith('ignored') ? 'SKIPPED' : 'PASSED';
      block.results.push({ name: (result[1] ?? '').replace(/ - should panic$/, ''), status, isMeasured: word.startsWith('bench:') });
    }
  }

  const recorder = new TestIdRecorder('disambiguate');
  for (const finished of blocks) {
    const inconsistency = findInconsistency(finished);
    if (inconsistency !== undefined) {
      return createNoEvidenceReport(
        'cargo',
        `the results of test crate ${finished.target ?? '(unknown)'} disagree with libtest's own counts (${inconsistency}): something other than libtest printed result lines, so no result is trusted`,
        warnings,
      );
    }
    let results = orderDocTests(finished.results);
    if (finished.summary === undefined) {
      warnings.push(`test crate ${finished.target ?? '(unknown)'} announced ${finished.announced} test(s) but reported ${results.length} and no "test result:" line (crashed, killed or truncated); only its failures are kept`);
      results = results.filter((result) => result.status === 'FAILED');
    }
    for (const result of results) {
      const captured = finished.captured.get(result.name) ?? finished.captured.get(`${result.name} - should panic`);
      recorder.record(idOf(finished.target, result.name), result.status, captured?.join('\n'));
    }
  }
  const summaries = blocks.filter((finished) => finished.summary !== undefined).length;

  const compileErrors = [...stdoutLines, ...stderrLines].flatMap((line) => COMPILE_ERROR.exec(line)?.[1] ?? []);
  const failedTargets = stderrLines.filter((line) => TARGET_FAILED.test(line)).length;
  const hasTargetsSummary = stderrLines.some((line) => TARGETS_FAILED_SUMMARY.test(line)) ||
    stdoutLines.some((line) => TARGETS_FAILED_SUMMARY.test(line));
  if (failedTargets > 0 && !hasTargetsSummary && compileErrors.length === 0) {
    warnings.push('cargo stopped at the first failing test target (fail-fast); later targets did not run: pass --no-fail-fast');
  }
  if (compileErrors.length > 0) {
    const firstError = [...stderrLines, ...stdoutLines].find((line) => /^error(\[E\d+\])?: /.test(line) && !COMPILE_ERROR.test(line));
    warnings.push(`the build failed (${[...new Set(compileErrors)].join(', ')})${firstError ? `: ${firstLine(firstError)}` : ''}; tests of the failed build are absent`);
    // A compile error is a definite outcome of the run (the test.patch broke the build), not an infrastructure failure.
    return createReport('cargo', recorder, true, warnings);
  }
  if (summaries === 0 && recorder.size === 0) {
    const stderr = stderrLines.find((line) => line.startsWith('error')) ?? stderrLines.at(-1) ?? '';
    return createNoEvidenceReport(
      'cargo',
      `no libtest results and no "test result:" line: cargo test did not run the tests${stderr ? ` (${firstLine(stderr)})` : ''}`,
      warnings,
    );
  }
  if (summaries === 0) warnings.push('no "test result:" line: the output was probably truncated');
  return createReport('cargo', recorder, true, warnings);
}

/** cargo test / libtest human output (stdout results, stderr `Running` headers). */
export const cargoParser: ReportParser = { format: 'cargo', parse: parseCargo };

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

/**
 * cargo test / libtest text output. Id: `<test crate>::<module path>::<test>`, where the test
 * crate is the binary's crate name from cargo's `Running` / `Doc-tests` headers (the library's
 * unit tests are `mylib::tests::x`, an integration test file `tests/api.rs` is `api::x`, doc
 * tests `mylib::src/lib.rs - add (line 5)`): the real Rust path, unique across targets.
 * cargo prints the headers on stderr and results on stdout; when they come apart the k-th
 * `running N tests` block is paired with the k-th header. A ` - should panic` suffix is dropped.
 */
function parseCargo(input: ReportInput): ParsedReport {
  const stdoutLines = splitLines(input.stdout);
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

  const recorder = new TestIdRecorder('disambiguate');
  let target: string | undefined;
  let blockIndex = 0;
  let summaries = 0;
  let expected = 0;
  let seenInBlock = 0;
  let isInBlock = false;
  const closeBlock = (): void => {
    if (isInBlock && seenInBlock < expected) {
      warnings.push(`test crate ${target ?? '(unknown)'} announced ${expected} test(s) but reported ${seenInBlock}; the output was probably truncated`);
    }
    isInBlock = false;
  };
  for (const line of stdoutLines) {
    const header = headersInline ? targetOfHeader(line) : undefined;
    if (header !== undefined) {
      target = header;
      continue;
    }
    const block = RUNNING_BLOCK.exec(line);
    if (block) {
      closeBlock();
      if (!headersInline) target = separateTargets[blockIndex];
      blockIndex += 1;
      expected = Number.parseInt(block[1] ?? '0', 10);
      seenInBlock = 0;
      isInBlock = true;
      continue;
    }
    const result = RESULT_LINE.exec(line);
    if (result) {
      const name = (result[1] ?? '').replace(/ - should panic$/, '');
      const word = result[2] ?? '';
      const status = word === 'FAILED' ? 'FAILED' : word.startsWith('ignored') ? 'SKIPPED' : 'PASSED';
      recorder.record(target === undefined ? name : `${target}::${name}`, status);
      seenInBlock += 1;
      continue;
    }
    if (SUMMARY_LINE.test(line)) {
      summaries += 1;
      isInBlock = false;
    }
  }
  closeBlock();

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

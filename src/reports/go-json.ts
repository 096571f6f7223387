import type { ParsedReport, ReportInput, ReportParser } from '../core/tests.js';
import { firstLine, splitLines } from './output-text.js';
import { createNoEvidenceReport, createReport } from './parsed-report.js';
import { TestIdRecorder } from './test-ids.js';

interface GoEvent {
  Action?: unknown;
  Package?: unknown;
  ImportPath?: unknown;
  Test?: unknown;
  Output?: unknown;
  FailedBuild?: unknown;
}

const OUTCOME_BY_ACTION: Record<string, 'PASSED' | 'FAILED' | 'SKIPPED'> = {
  pass: 'PASSED',
  fail: 'FAILED',
  skip: 'SKIPPED',
};
/** Text form of a build failure, as older Go versions print it (in output events or on stderr). */
const BUILD_FAILED_LINE = /^FAIL\s+(\S+)\s+\[(?:build failed|setup failed)\]/;

/** go test's own framing lines in a test's output: the status is read from the events, not from these. */
const FRAMING_LINE = /^\s*(?:=== (?:RUN|PAUSE|CONT|NAME)|--- (?:PASS|FAIL|SKIP):)/;
/** Output lines kept per test while it runs: enough for its failure message, bounded for chatty tests. */
const OUTPUT_LINES_KEPT = 40;

function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** `example.com/m/pkg [example.com/m/pkg.test]` → `example.com/m/pkg`. */
function packageOf(importPath: string): string {
  const bracket = importPath.indexOf(' [');
  return bracket >= 0 ? importPath.slice(0, bracket) : importPath;
}

/**
 * `go test -json ./...`. Id: `<import path>::<TestName/sub>` (Go already makes subtest names
 * unique with `#01` suffixes; the package keeps same-named tests of two packages apart). Parent
 * tests are reported too, with their own outcome. A package that fails to build has no test
 * results: none are invented, a warning names it. A test that started and never finished (panic,
 * timeout, killed run) is FAILED.
 */
/**
 * Tracks which tests of each package are running, to refuse events go test could not have sent:
 * a top-level test starting while another runs (they run one at a time; parallel ones pause
 * first), or a subtest starting while no enclosing test runs. A test that prints test2json's
 * framing marker (\x16) can make go test emit such events; a subtest of itself is harmless (it
 * could call t.Run), anything else is refused.
 */
class RunningTests {
  private readonly active = new Map<string, Set<string>>();

  /** Applies one event; returns why it is impossible, or undefined. */
  apply(packagePath: string, testName: string, action: string): string | undefined {
    const active = this.active.get(packagePath) ?? new Set<string>();
    this.active.set(packagePath, active);
    if (action === 'run') {
      const isTopLevel = !testName.includes('/');
      const hasParent = [...active].some((name) => testName.startsWith(`${name}/`));
      const otherTopLevel = [...active].find((name) => !name.includes('/'));
      active.add(testName);
      if (isTopLevel && otherTopLevel !== undefined) return `${testName} started while ${otherTopLevel} was running`;
      if (!isTopLevel && !hasParent) return `subtest ${testName} started while no enclosing test was running`;
    } else if (action === 'cont') active.add(testName);
    else if (action === 'pause' || action in OUTCOME_BY_ACTION) active.delete(testName);
    return undefined;
  }
}

function parseGoJson(input: ReportInput): ParsedReport {
  if (input.reportFile !== undefined && input.reportFile.trim() === '') {
    return createNoEvidenceReport('go-json', 'the go test -json report file is empty: go test crashed or was killed before writing it');
  }
  const runningTests = new RunningTests();
  const impossibleEvents: string[] = [];
  const recorder = new TestIdRecorder('disambiguate');
  const warnings: string[] = [];
  const running = new Map<string, string>();
  const buildFailures = new Map<string, string>();
  const buildOutput = new Map<string, string[]>();
  const testOutput = new Map<string, string[]>();
  const failureMessageOf = (key: string): string | undefined => {
    const lines = testOutput.get(key);
    testOutput.delete(key);
    return lines === undefined ? undefined : lines.join('\n');
  };
  let packageResults = 0;
  let unreadableLines = 0;

  const noteBuildFailure = (packagePath: string, detail?: string): void => {
    if (!buildFailures.has(packagePath) || (detail && !buildFailures.get(packagePath))) {
      buildFailures.set(packagePath, detail ?? '');
    }
  };

  for (const line of splitLines(input.reportFile ?? input.stdout)) {
    if (!line.startsWith('{')) {
      const buildFailed = BUILD_FAILED_LINE.exec(line);
      if (buildFailed?.[1]) noteBuildFailure(buildFailed[1]);
      continue;
    }
    let event: GoEvent;
    try {
      event = JSON.parse(line) as GoEvent;
    } catch {
      unreadableLines += 1;
      continue;
    }
    if (typeof event !== 'object' || event === null) continue;
    const action = asString(event.Action) ?? '';
    const packagePath = asString(event.Package);
    const testName = asString(event.Test);
    if (action === 'build-output') {
      const importPath = packageOf(asString(event.ImportPath) ?? '');
      const lines = buildOutput.get(importPath) ?? [];
      const text = asString(event.Output)?.trim();
      if (text && !text.startsWith('#')) lines.push(text);
      buildOutput.set(importPath, lines);
      continue;
    }
    if (action === 'build-fail') {
      const importPath = packageOf(asString(event.ImportPath) ?? '');
      noteBuildFailure(importPath, buildOutput.get(importPath)?.[0]);
      continue;
    }
    if (packagePath === undefined) continue;
    if (action === 'output') {
      const output = asString(event.Output) ?? '';
      const buildFailed = BUILD_FAILED_LINE.exec(output);
      if (buildFailed?.[1]) noteBuildFailure(buildFailed[1]);
      if (testName !== undefined && output.trim() !== '' && !FRAMING_LINE.test(output)) {
        const key = `${packagePath}\u0000${testName}`;
        const lines = testOutput.get(key) ?? [];
        if (lines.length < OUTPUT_LINES_KEPT) lines.push(output.replace(/\n$/, ''));
        testOutput.set(key, lines);
      }
      continue;
    }
    const outcome = OUTCOME_BY_ACTION[action];
    if (testName === undefined) {
      if (outcome) packageResults += 1;
      const failedBuild = asString(event.FailedBuild);
      if (failedBuild) noteBuildFailure(packageOf(failedBuild), buildOutput.get(packageOf(failedBuild))?.[0]);
      if (outcome) {
        for (const [key, id] of running) {
          if (key.startsWith(`${packagePath}\u0000`)) {
            recorder.record(id, 'FAILED', failureMessageOf(key));
            running.delete(key);
            warnings.push(`${id} started but never finished (package ${packagePath} ended with ${action}); counted as FAILED`);
          }
        }
      }
      continue;
    }
    const impossible = runningTests.apply(packagePath, testName, action);
    if (impossible !== undefined) impossibleEvents.push(`${packagePath}: ${impossible}`);
    const id = `${packagePath}::${testName}`;
    const key = `${packagePath}\u0000${testName}`;
    if (action === 'run') running.set(key, id);
    else if (outcome) {
      running.delete(key);
      recorder.record(id, outcome, outcome === 'FAILED' ? failureMessageOf(key) : undefined);
      testOutput.delete(key);
    }
  }
  for (const line of splitLines(input.stderr)) {
    const buildFailed = BUILD_FAILED_LINE.exec(line);
    if (buildFailed?.[1]) noteBuildFailure(buildFailed[1]);
  }
  if (impossibleEvents.length > 0) {
    return createNoEvidenceReport(
      'go-json',
      `go test reported events its test runner cannot produce (${impossibleEvents.slice(0, 3).join('; ')}): a test printed test2json framing, so no result is trusted`,
    );
  }
  for (const [packagePath, detail] of buildFailures) {
    warnings.push(`package ${packagePath} failed to build; its tests are absent${detail ? `: ${firstLine(detail)}` : ''}`);
  }
  if (unreadableLines > 0) warnings.push(`${unreadableLines} line(s) looked like JSON events but could not be parsed (truncated output?)`);
  for (const [key, id] of running) {
    recorder.record(id, 'FAILED', failureMessageOf(key));
    warnings.push(`${id} started but never finished (output ends first: truncated or killed); counted as FAILED`);
  }
  if (packageResults === 0 && recorder.size === 0) {
    if (buildFailures.size > 0) return createReport('go-json', recorder, true, warnings);
    const stderr = firstLine(input.stderr);
    return createNoEvidenceReport(
      'go-json',
      `no go test events with a package result: go test did not run${stderr ? ` (stderr: ${stderr})` : ''}`,
      warnings,
    );
  }
  if (packageResults === 0) warnings.push('no package finished (no ok/FAIL package result): the output was probably truncated');
  return createReport('go-json', recorder, true, warnings);
}

/** `go test -json` event stream on stdout. */
export const goJsonParser: ReportParser = { format: 'go-json', parse: parseGoJson };

import { z } from 'zod';
import type { ParsedReport, ReportInput, ReportParser } from '../core/tests.js';
import { createPathRelativizer } from './file-paths.js';
import { firstLine } from './output-text.js';
import { createNoEvidenceReport, createReport } from './parsed-report.js';
import { findJsonObjectStart, parseLeadingJson, selectReportSource } from './report-source.js';
import { TestIdRecorder } from './test-ids.js';

const testSchema = z.looseObject({
  title: z.string(),
  fullTitle: z.string(),
  file: z.string().optional(),
  duration: z.number().optional(),
  err: z.record(z.string(), z.unknown()).optional(),
});
const reportSchema = z.looseObject({
  stats: z.looseObject({}),
  tests: z.array(testSchema).optional(),
  passes: z.array(testSchema).optional(),
  pending: z.array(testSchema).optional(),
  failures: z.array(testSchema).optional(),
});
type MochaTest = z.infer<typeof testSchema>;

function keyOf(test: MochaTest): string {
  return `${test.file ?? ''}\u0000${test.fullTitle}`;
}

function countByKey(tests: MochaTest[] | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  for (const test of tests ?? []) counts.set(keyOf(test), (counts.get(keyOf(test)) ?? 0) + 1);
  return counts;
}

function take(counts: Map<string, number>, key: string): boolean {
  const count = counts.get(key) ?? 0;
  if (count === 0) return false;
  counts.set(key, count - 1);
  return true;
}

function hasError(test: MochaTest): boolean {
  return test.err !== undefined && Object.keys(test.err).length > 0;
}

/** mocha's `err.message`, else the first lines of `err.stack` (a thrown non-Error has neither). */
function messageOf(test: MochaTest): string | undefined {
  const message = test.err?.message;
  if (typeof message === 'string' && message.trim() !== '') return message;
  const stack = test.err?.stack;
  return typeof stack === 'string' ? stack : undefined;
}

/**
 * mocha `--reporter json`. Ids: `<file relative to the root> > <fullTitle>` (mocha's fullTitle
 * joins describe titles with spaces). Failures outside any test (a failing `beforeEach`
 * hook) are recorded under mocha's own hook title, e.g. `"before each" hook for "x"`, as FAILED.
 */
function parseMochaReport(input: ReportInput): ParsedReport {
  const source = selectReportSource(input, 'mocha', (stdout) => findJsonObjectStart(stdout, 'stats'));
  if (source.kind === 'missing') return createNoEvidenceReport('mocha', source.reason);
  const parsed = parseLeadingJson(source.text);
  if ('error' in parsed) {
    return createNoEvidenceReport('mocha', `the mocha JSON report in the ${source.origin} cannot be parsed (${parsed.error}); it is probably truncated`);
  }
  const report = reportSchema.safeParse(parsed.value);
  if (!report.success) {
    return createNoEvidenceReport('mocha', `the JSON in the ${source.origin} is not a mocha report: ${firstLine(report.error.message)}`);
  }
  const { tests = [], passes, pending, failures = [] } = report.data;
  const warnings: string[] = [];
  const relativizer = createPathRelativizer(
    [...tests, ...failures].flatMap((test) => (test.file ? [test.file] : [])),
    input.rootDirectory,
  );
  if (relativizer.fallbackWarning) warnings.push(relativizer.fallbackWarning);
  const idOf = (test: MochaTest): string =>
    test.file ? `${relativizer.relativize(test.file)} > ${test.fullTitle}` : test.fullTitle;

  const passCounts = countByKey(passes);
  const pendingCounts = countByKey(pending);
  const failureCounts = countByKey(failures);
  const recorder = new TestIdRecorder('disambiguate');
  for (const test of tests) {
    const key = keyOf(test);
    if (hasError(test)) {
      take(failureCounts, key);
      recorder.record(idOf(test), 'FAILED', messageOf(test));
    } else if ((test.duration === undefined || !passCounts.get(key)) && take(pendingCounts, key)) {
      recorder.record(idOf(test), 'SKIPPED');
    } else if (take(passCounts, key) || passes === undefined) {
      recorder.record(idOf(test), 'PASSED');
    } else {
      recorder.record(idOf(test), 'FAILED');
    }
  }
  // Hook failures are listed in `failures` only.
  for (const failure of failures) {
    if (take(failureCounts, keyOf(failure))) recorder.record(idOf(failure), 'FAILED', messageOf(failure));
  }
  return createReport('mocha', recorder, true, warnings);
}

/** mocha `--reporter json` (stdout, or a file written with `--reporter-option output=`). */
export const mochaParser: ReportParser = { format: 'mocha', parse: parseMochaReport };

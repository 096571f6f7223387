import { z } from 'zod';
import type { ParsedReport, ReportFormat, ReportInput } from '../core/tests.js';
import { createPathRelativizer } from './file-paths.js';
import { firstLine } from './output-text.js';
import { createNoEvidenceReport, createReport } from './parsed-report.js';
import { findJsonObjectStart, parseLeadingJson, selectReportSource } from './report-source.js';
import { TestIdRecorder } from './test-ids.js';

// Tolerant: only the fields ids and statuses need, each row checked on its own so one odd row
// (a version that writes something else) costs that row, never the report.
const assertionSchema = z.looseObject({
  ancestorTitles: z.array(z.unknown()).optional(),
  // jest 22-26 keep a non-string title raw (`it([2010, 6])` → [2010, 6]); coerced below.
  title: z.unknown().refine((value) => value !== undefined && value !== null, 'expected a title'),
  status: z.string(),
  failureMessages: z.array(z.unknown()).optional().catch(undefined),
});
const fileResultSchema = z.looseObject({
  name: z.string(),
  status: z.string().optional(),
  message: z.string().optional(),
  assertionResults: z.array(z.unknown()).optional(),
});
const reportSchema = z.looseObject({
  testResults: z.array(z.unknown()),
  numTotalTests: z.number().optional(),
});

/** `testResults.0.assertionResults.0.title: expected string, received array`: where and what, for each problem. */
function describeIssues(error: z.ZodError, prefix: string): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${[prefix, ...issue.path.map(String)].filter((part) => part !== '').join('.') || '(root)'}: ${issue.message.replace(/^Invalid input: /, '')}`)
    .join('; ');
}

/** A title as jest's own fullName writes it: String() of whatever the test was given. */
function coerceTitle(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

const STATUS_BY_NAME: Record<string, 'PASSED' | 'FAILED' | 'SKIPPED'> = {
  passed: 'PASSED',
  failed: 'FAILED',
  pending: 'SKIPPED',
  skipped: 'SKIPPED',
  todo: 'SKIPPED',
  disabled: 'SKIPPED',
  focused: 'PASSED',
};

/**
 * Parses the JSON report shared by jest (`--json --outputFile`) and vitest (`--reporter=json`).
 * Ids: `<file relative to the root> > <describe titles> > <title>`. A file that failed to run
 * (import error, failing afterAll) is recorded under its own path as FAILED, as the runner shows it.
 */
export function parseJestStyleReport(format: ReportFormat, label: string, input: ReportInput): ParsedReport {
  const source = selectReportSource(input, label, (stdout) => findJsonObjectStart(stdout, 'num'));
  if (source.kind === 'missing') return createNoEvidenceReport(format, source.reason);
  const parsed = parseLeadingJson(source.text);
  if ('error' in parsed) {
    return createNoEvidenceReport(format, `the ${label} JSON report in the ${source.origin} cannot be parsed (${parsed.error}); it is probably truncated`);
  }
  const report = reportSchema.safeParse(parsed.value);
  if (!report.success) {
    return createNoEvidenceReport(format, `the JSON in the ${source.origin} is not a ${label} report: ${describeIssues(report.error, '')}`);
  }
  const warnings: string[] = [];
  const files = report.data.testResults.flatMap((value, index) => {
    const file = fileResultSchema.safeParse(value);
    if (file.success) return [{ ...file.data, index }];
    warnings.push(`${label} report row ignored: ${describeIssues(file.error, `testResults.${index}`)}`);
    return [];
  });
  const relativizer = createPathRelativizer(
    files.map((file) => file.name),
    input.rootDirectory,
  );
  if (relativizer.fallbackWarning) warnings.push(relativizer.fallbackWarning);
  const recorder = new TestIdRecorder('disambiguate');
  for (const file of files) {
    const filePath = relativizer.relativize(file.name);
    let hasFailedAssertion = false;
    let ignoredRows = 0;
    for (const [assertionIndex, value] of (file.assertionResults ?? []).entries()) {
      const parsedAssertion = assertionSchema.safeParse(value);
      if (!parsedAssertion.success) {
        warnings.push(`${label} report row ignored: ${describeIssues(parsedAssertion.error, `testResults.${file.index}.assertionResults.${assertionIndex}`)}`);
        ignoredRows += 1;
        continue;
      }
      const assertion = parsedAssertion.data;
      const status = STATUS_BY_NAME[assertion.status];
      const id = [filePath, ...(assertion.ancestorTitles ?? []).map(coerceTitle), coerceTitle(assertion.title)].join(' > ');
      if (status === undefined) {
        warnings.push(`unknown ${label} status "${assertion.status}" for ${id}; result ignored`);
        continue;
      }
      if (status === 'FAILED') hasFailedAssertion = true;
      const messages = (assertion.failureMessages ?? []).filter((message): message is string => typeof message === 'string');
      recorder.record(id, status, messages.length > 0 ? messages.join('\n') : undefined);
    }
    // An ignored row may be the test that failed: then the file's failure is not one of its own.
    if (file.status === 'failed' && !hasFailedAssertion && ignoredRows === 0) {
      recorder.record(filePath, 'FAILED', file.message);
      warnings.push(`test file ${filePath} failed outside its tests: ${firstLine(file.message ?? '') || 'no message'}`);
    }
  }
  return createReport(format, recorder, true, warnings);
}

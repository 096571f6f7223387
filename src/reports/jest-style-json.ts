import { z } from 'zod';
import type { ParsedReport, ReportFormat, ReportInput } from '../core/tests.js';
import { createPathRelativizer } from './file-paths.js';
import { firstLine } from './output-text.js';
import { createNoEvidenceReport, createReport } from './parsed-report.js';
import { findJsonObjectStart, parseLeadingJson, selectReportSource } from './report-source.js';
import { TestIdRecorder } from './test-ids.js';

// Tolerant: only the fields ids and statuses need; everything else may vary by version.
const assertionSchema = z.looseObject({
  ancestorTitles: z.array(z.string()).optional(),
  title: z.string(),
  status: z.string(),
});
const fileResultSchema = z.looseObject({
  name: z.string(),
  status: z.string().optional(),
  message: z.string().optional(),
  assertionResults: z.array(assertionSchema).optional(),
});
const reportSchema = z.looseObject({
  testResults: z.array(fileResultSchema),
  numTotalTests: z.number().optional(),
});

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
    return createNoEvidenceReport(format, `the JSON in the ${source.origin} is not a ${label} report: ${firstLine(report.error.message)}`);
  }
  const warnings: string[] = [];
  const relativizer = createPathRelativizer(
    report.data.testResults.map((file) => file.name),
    input.rootDirectory,
  );
  if (relativizer.fallbackWarning) warnings.push(relativizer.fallbackWarning);
  const recorder = new TestIdRecorder('disambiguate');
  for (const file of report.data.testResults) {
    const filePath = relativizer.relativize(file.name);
    const assertions = file.assertionResults ?? [];
    let hasFailedAssertion = false;
    for (const assertion of assertions) {
      const status = STATUS_BY_NAME[assertion.status];
      const id = [filePath, ...(assertion.ancestorTitles ?? []), assertion.title].join(' > ');
      if (status === undefined) {
        warnings.push(`unknown ${label} status "${assertion.status}" for ${id}; result ignored`);
        continue;
      }
      if (status === 'FAILED') hasFailedAssertion = true;
      recorder.record(id, status);
    }
    if (file.status === 'failed' && !hasFailedAssertion) {
      recorder.record(filePath, 'FAILED');
      warnings.push(`test file ${filePath} failed outside its tests: ${firstLine(file.message ?? '') || 'no message'}`);
    }
  }
  return createReport(format, recorder, true, warnings);
}

import type { ParsedReport, ReportFormat } from '../core/tests.js';
import { parseReport } from '../reports/index.js';
import { REPORT_END, REPORT_START, TEST_OUTPUT_END, TEST_OUTPUT_START } from './eval-script.js';

/** The test-output section of an eval-script log (or the whole text when it has no markers), split into console text and report file. */
export function splitEvalLog(log: string): { console: string; reportFile?: string } {
  const start = log.indexOf(TEST_OUTPUT_START);
  const end = log.indexOf(TEST_OUTPUT_END, start < 0 ? 0 : start);
  const section = start >= 0 ? log.slice(start + TEST_OUTPUT_START.length, end >= 0 ? end : undefined) : log;
  const reportStart = section.indexOf(REPORT_START);
  if (reportStart < 0) return { console: section };
  const reportEnd = section.indexOf(REPORT_END, reportStart);
  const reportFile = section.slice(reportStart + REPORT_START.length + 1, reportEnd >= 0 ? reportEnd : undefined).replace(/\n$/, '');
  return { console: section.slice(0, reportStart), reportFile };
}

/**
 * Read the test results out of a log of the exported eval script with swe-mirror's own parser for the gym's report
 * format: the same ids the task's FAIL_TO_PASS and PASS_TO_PASS use. This is what graders outside swe-mirror (the
 * swebench harness, through python/swe_mirror_swebench.py) call.
 */
export function parseEvalLog(log: string, format: ReportFormat): ParsedReport {
  const { console, reportFile } = splitEvalLog(log);
  return parseReport(format, { stdout: console, stderr: '', ...(reportFile === undefined ? {} : { reportFile }) });
}

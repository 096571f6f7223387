import type { ParsedReport, ReportFormat } from '../core/tests.js';
import type { TestIdRecorder } from './test-ids.js';

/** A report that proves nothing ran: an infrastructure failure, with the reason as a warning. */
export function createNoEvidenceReport(format: ReportFormat, reason: string, warnings: string[] = []): ParsedReport {
  return { format, tests: {}, hasEvidence: false, level: 'test', warnings: [...warnings, reason] };
}

/** Assembles a report from a recorder, adding the recorder's repeated-id warning. */
export function createReport(
  format: ReportFormat,
  recorder: TestIdRecorder,
  hasEvidence: boolean,
  warnings: string[],
  level: ParsedReport['level'] = 'test',
): ParsedReport {
  const repeats = recorder.describeRepeats();
  const hasMessages = Object.keys(recorder.failureMessages).length > 0;
  return {
    format,
    tests: recorder.tests,
    hasEvidence,
    level,
    warnings: repeats === undefined ? warnings : [...warnings, repeats],
    ...(hasMessages ? { failureMessages: recorder.failureMessages } : {}),
  };
}

import { SweMirrorError } from '../core/errors.js';
import type { ParsedReport, ReportFormat, ReportInput, ReportParser } from '../core/tests.js';
import { cargoParser } from './cargo.js';
import { goJsonParser } from './go-json.js';
import { jestParser } from './jest.js';
import { junitParser } from './junit.js';
import { mochaParser } from './mocha.js';
import { nodeJunitParser } from './node-junit.js';
import { nodeTapParser } from './node-tap.js';
import { pytestJunitParser } from './pytest-junit.js';
import { pytestRaParser } from './pytest-ra.js';
import { tapParser } from './tap.js';
import { vitestParser } from './vitest.js';

const PARSERS: Record<ReportFormat, ReportParser> = {
  junit: junitParser,
  jest: jestParser,
  vitest: vitestParser,
  mocha: mochaParser,
  'node-tap': nodeTapParser,
  tap: tapParser,
  'node-junit': nodeJunitParser,
  'pytest-junit': pytestJunitParser,
  'pytest-ra': pytestRaParser,
  'go-json': goJsonParser,
  cargo: cargoParser,
};

/** The parser for a report format; throws a user error for an unknown format. */
export function getReportParser(format: ReportFormat): ReportParser {
  const parser = (PARSERS as Partial<Record<string, ReportParser>>)[format];
  if (!parser) {
    throw new SweMirrorError({
      code: 'REPORT_FORMAT_UNKNOWN',
      kind: 'user',
      message: `Unknown test report format "${String(format)}".`,
      hint: `Use one of: ${Object.keys(PARSERS).join(', ')}.`,
    });
  }
  return parser;
}

/** Parses one run's output in the given format into per-test statuses and evidence. */
export function parseReport(format: ReportFormat, input: ReportInput): ParsedReport {
  return getReportParser(format).parse(input);
}

export { TestIdRecorder } from './test-ids.js';
export { normalizeOutput } from './output-text.js';
export { toPytestNodeId } from './pytest-junit.js';

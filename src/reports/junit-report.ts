import type { ParsedReport, ReportFormat, ReportInput } from '../core/tests.js';
import { createPathRelativizer, type PathRelativizer } from './file-paths.js';
import { readJunitXml, type JunitTestCase } from './junit-xml.js';
import { createNoEvidenceReport, createReport } from './parsed-report.js';
import { selectReportSource } from './report-source.js';
import { TestIdRecorder, type RepeatPolicy } from './test-ids.js';

/** How one JUnit dialect names its test cases. */
export interface JunitDialect {
  format: ReportFormat;
  label: string;
  repeatPolicy: RepeatPolicy;
  /** The paths in the document that should be made relative to the root (file attributes...). */
  collectPaths(testCases: JunitTestCase[]): string[];
  idOf(testCase: JunitTestCase, paths: PathRelativizer): string;
}

/** Where the XML on stdout starts: the last `<?xml` declaration (the runner's, printed at the end), else the first root element. */
function findXmlStart(stdout: string): number {
  const declaration = stdout.lastIndexOf('<?xml');
  if (declaration >= 0) return declaration;
  const match = /<testsuites[\s>]|<testsuite[\s>]/.exec(stdout);
  return match ? match.index : -1;
}

/** Parses a JUnit XML report (the report file, else XML printed on stdout) with a dialect's ids. */
export function parseJunitReport(dialect: JunitDialect, input: ReportInput): ParsedReport {
  const source = selectReportSource(input, dialect.label, findXmlStart);
  if (source.kind === 'missing') return createNoEvidenceReport(dialect.format, source.reason);
  const document = readJunitXml(source.text);
  if (!document.hasRoot) {
    return createNoEvidenceReport(
      dialect.format,
      `the ${source.origin} is not JUnit XML (no <testsuites> or <testsuite> element); the runner probably crashed before writing it`,
    );
  }
  const warnings: string[] = [];
  if (document.isTruncated) {
    warnings.push(`the JUnit XML in the ${source.origin} is truncated; ${document.testCases.length} complete test case(s) were read`);
  }
  const paths = createPathRelativizer(dialect.collectPaths(document.testCases), input.rootDirectory);
  if (paths.fallbackWarning) warnings.push(paths.fallbackWarning);
  const recorder = new TestIdRecorder(dialect.repeatPolicy);
  for (const testCase of document.testCases) recorder.record(dialect.idOf(testCase, paths), testCase.outcome, testCase.failureMessage);
  return createReport(dialect.format, recorder, true, warnings);
}

/** Per-test status, as in Multi-SWE-bench. NONE means absent from the run. */
export type TestStatus = 'PASSED' | 'FAILED' | 'SKIPPED' | 'NONE';

/** Test id → status, for the tests a run reported (NONE is never stored, it is absence). */
export type TestStatusMap = Record<string, Exclude<TestStatus, 'NONE'>>;

export const REPORT_FORMATS = [
  'junit',
  'jest',
  'vitest',
  'mocha',
  'node-tap',
  'tap',
  'node-junit',
  'pytest-junit',
  'pytest-ra',
  'go-json',
  'cargo',
] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** What a report parser gets: the run's output and, when the spec names one, the report file's content. */
export interface ReportInput {
  stdout: string;
  stderr: string;
  /** Content of the report file (JUnit XML, jest JSON, ...) when the gym writes one. */
  reportFile?: string;
  /**
   * Absolute path of the working copy the suite ran in. Reporters that print absolute file paths
   * (jest, vitest, mocha, node:test, JUnit `file`) are made relative to it, so ids are the same in
   * every copy. Without it, parsers strip the files' common directory and warn.
   */
  rootDirectory?: string;
}

export interface ParsedReport {
  format: ReportFormat;
  tests: TestStatusMap;
  /** true when the output proves the suite ran (even with zero tests); false = infrastructure failure. */
  hasEvidence: boolean;
  /** 'test' normally; 'assertion' when a TAP producer's assertions were the finest stable level. */
  level: 'test' | 'assertion';
  /** Why there is no evidence, duplicate names resolved, lines that could not be read... */
  warnings: string[];
  /**
   * Failed test id → its assertion message or error, where the format carries one (JUnit <failure>,
   * jest/vitest failureMessages, mocha err.message, pytest -rA ` - message`, go test output of the test,
   * cargo's `---- name stdout ----` block): ANSI-free, bounded. Informative only, never a status.
   */
  failureMessages?: Record<string, string>;
}

export interface ReportParser {
  readonly format: ReportFormat;
  parse(input: ReportInput): ParsedReport;
}

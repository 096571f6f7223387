import type { ReportParser } from '../core/tests.js';
import { parseJestStyleReport } from './jest-style-json.js';

/** jest `--json` (report file from `--outputFile`, or stdout). */
export const jestParser: ReportParser = {
  format: 'jest',
  parse: (input) => parseJestStyleReport('jest', 'jest', input),
};

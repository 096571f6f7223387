import type { ReportParser } from '../core/tests.js';
import { parseJestStyleReport } from './jest-style-json.js';

/** vitest `--reporter=json` (report file from `--outputFile`, or stdout). */
export const vitestParser: ReportParser = {
  format: 'vitest',
  parse: (input) => parseJestStyleReport('vitest', 'vitest', input),
};

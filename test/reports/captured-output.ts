import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/reports');

/** Where capture.sh built the throwaway projects; the captures hold absolute paths under it. */
export const CAPTURE_ROOT = '/tmp/swe-mirror-report-capture';

/** Reads a captured output file from test/fixtures/reports. */
export function readCapture(relativePath: string): string {
  return readFileSync(path.join(FIXTURES, relativePath), 'utf8');
}

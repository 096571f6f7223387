import picomatch from 'picomatch';
import type { AnswerEvaluation } from './model-step.js';
import { hasInlineTests } from '../test-code/test-code.js';
import { parsePathListAnswer } from './parse-answer.js';

export interface TestLocalization {
  sourceFiles: string[];
  testFiles: string[];
}

const MAXIMUM_SOURCE_FILES = 4;
const MAXIMUM_TEST_FILES = 2;

const UNREADABLE =
  'I could not read a list of files from the answer. Answer with one JSON object, for example {"source_files": ["path/a"], "test_files": ["path/b"]}.';

/**
 * Check a test-localization answer (pure): source files must exist and not be tests; test files must
 * exist or, for a new file, match the gym's test patterns.
 */
export function evaluateTestLocalization(answer: string, trackedFiles: string[], testGlobs: string[]): AnswerEvaluation<TestLocalization> {
  const parsed = parsePathListAnswer(answer, ['source', 'test']);
  if (parsed === undefined) return { ok: false, feedback: UNREADABLE };
  const isTest = picomatch(testGlobs, { dot: true });
  const tracked = new Set(trackedFiles);
  const named = [...(parsed.byKey.source ?? []), ...(parsed.byKey.test ?? []), ...parsed.unkeyed];
  const sourceFiles = unique(named.filter((file) => tracked.has(file) && !isTest(file))).slice(0, MAXIMUM_SOURCE_FILES);
  // A Rust source file named as a test file holds its unit tests in a #[cfg(test)] module (the test step may edit only that module).
  const isInlineTestPlace = (file: string): boolean => hasInlineTests(file) && tracked.has(file) && (parsed.byKey.test ?? []).includes(file);
  const testFiles = unique(named.filter((file) => (isTest(file) && (tracked.has(file) || !file.includes('..'))) || isInlineTestPlace(file))).slice(0, MAXIMUM_TEST_FILES);
  const unknown = named.filter((file) => !tracked.has(file) && !isTest(file));
  const problems: string[] = [];
  if (sourceFiles.length === 0) problems.push('no existing source file was named');
  if (testFiles.length === 0) problems.push(`no test file was named (test files match ${testGlobs.join(', ')})`);
  if (problems.length > 0) {
    const unknownText = unknown.length > 0 ? ` These paths are not in the repository: ${unknown.join(', ')}.` : '';
    return { ok: false, feedback: `${capitalise(problems.join(' and '))}.${unknownText} Use paths exactly as in the listing.`, parsed };
  }
  return { ok: true, value: { sourceFiles, testFiles }, parsed, summary: `${sourceFiles.join(', ')} | ${testFiles.join(', ')}`, details: { sourceFiles, testFiles, unknown } };
}

/** Check a mirror-localization answer (pure): existing non-test files only. */
export function evaluateMirrorLocalization(answer: string, trackedFiles: string[], testGlobs: string[]): AnswerEvaluation<string[]> {
  const parsed = parsePathListAnswer(answer, ['source']);
  if (parsed === undefined) return { ok: false, feedback: 'I could not read a list of files from the answer. Answer with one JSON object, for example {"source_files": ["path/a"]}.' };
  const isTest = picomatch(testGlobs, { dot: true });
  const tracked = new Set(trackedFiles);
  const named = [...(parsed.byKey.source ?? []), ...parsed.unkeyed];
  const files = unique(named.filter((file) => tracked.has(file) && !isTest(file))).slice(0, MAXIMUM_SOURCE_FILES);
  if (files.length === 0) {
    const refused = named.filter((file) => isTest(file));
    const unknown = named.filter((file) => !tracked.has(file) && !isTest(file));
    const parts = [
      refused.length > 0 ? `these are test files, which must not change: ${refused.join(', ')}` : '',
      unknown.length > 0 ? `these paths are not in the repository: ${unknown.join(', ')}` : '',
    ].filter(Boolean);
    return { ok: false, feedback: `No usable source file was named${parts.length > 0 ? `: ${parts.join('; ')}` : ''}. Name existing non-test files from the listing.`, parsed };
  }
  return { ok: true, value: files, parsed, summary: files.join(', '), details: { files } };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

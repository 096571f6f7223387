import { structuredPatch } from 'diff';
import picomatch from 'picomatch';
import type { PatchHunk } from '../edits/patch-parse.js';
import type { FilePolicy } from '../edits/search-replace.js';
import { classifyRustHunk, findRustTestModules, type HunkSide } from './rust-test-modules.js';

/**
 * The one rule for "is this change test code", shared by the test and mirror steps, verify's sanity checks and the
 * collect stage: per file by the gym's test globs, and per hunk in files that keep tests inline (a Rust
 * `#[cfg(test)]` module), where a hunk is test code when it lies inside such a module or adds whole ones.
 */

/** Source files whose tests may live inside them (`#[cfg(test)]` modules), so a change's hunks, not the file, decide. */
export function hasInlineTests(file: string): boolean {
  return file.endsWith('.rs');
}

/** One changed region of a file and which side of the test/source line it is on. */
export interface ClassifiedHunk {
  side: HunkSide;
  /** `lines 90-93` (old numbering) or `after line 129`, for messages. */
  where: string;
}

/**
 * Classify a hunk parsed from a unified diff against the test modules of the file it applies to. A hunk with no
 * old lines (`-N,0`: inserted after line N) is shifted to the numbering `classifyRustHunk` reads (the line it goes before).
 */
export function classifyPatchHunk(hunk: PatchHunk, before: string): HunkSide {
  const normalised = hunk.oldLines === 0 ? { ...hunk, oldStart: hunk.oldStart + 1 } : hunk;
  return classifyRustHunk(normalised, findRustTestModules(before));
}

/** Each changed region of `before` → `after` (no context, so neighbouring edits are judged apart), classified. */
export function classifyContentChange(before: string, after: string): ClassifiedHunk[] {
  const modules = findRustTestModules(before);
  return structuredPatch('a', 'b', before, after, '', '', { context: 0 }).hunks.map((hunk) => {
    const side = classifyRustHunk({ header: '', oldStart: hunk.oldStart, oldLines: hunk.oldLines, newStart: hunk.newStart, newLines: hunk.newLines, lines: hunk.lines }, modules);
    const where = hunk.oldLines === 0 ? `after line ${hunk.oldStart - 1}` : hunk.oldLines === 1 ? `line ${hunk.oldStart}` : `lines ${hunk.oldStart}-${hunk.oldStart + hunk.oldLines - 1}`;
    return { side, where };
  });
}

/**
 * The test step's policy: files matching the test globs, and in files with inline tests only changes to their test
 * modules (or whole new ones).
 */
export function testCodeOnly(testGlobs: string[], step = 'this step'): FilePolicy {
  const isTest = picomatch(testGlobs, { dot: true });
  return {
    isAllowed: (file) => isTest(file) || hasInlineTests(file),
    reason: `${step} may edit test files only (test files match ${testGlobs.join(', ')}), or the #[cfg(test)] modules of Rust source files`,
    checkChange(file, before, after) {
      if (isTest(file) || !hasInlineTests(file)) return undefined;
      const wrong = classifyContentChange(before, after).filter((hunk) => hunk.side !== 'test');
      if (wrong.length === 0) return undefined;
      return `${step} may edit test code only, but this changes the non-test code of ${file} (outside its #[cfg(test)] module) at ${wrong.map((hunk) => hunk.where).join(', ')}; put new tests inside the file's #[cfg(test)] module, or in a test file (matching ${testGlobs.join(', ')})`;
    },
  };
}

/** The mirror step's policy: files not matching the test globs, and in files with inline tests never their test modules. */
export function nonTestCodeOnly(testGlobs: string[], step = 'this step'): FilePolicy {
  const isTest = picomatch(testGlobs, { dot: true });
  return {
    isAllowed: (file) => !isTest(file),
    reason: `${step} may not edit test files (test files match ${testGlobs.join(', ')})`,
    checkChange(file, before, after) {
      if (!hasInlineTests(file)) return undefined;
      const wrong = classifyContentChange(before, after).filter((hunk) => hunk.side !== 'source');
      if (wrong.length === 0) return undefined;
      return `${step} may not edit test code, but this changes the #[cfg(test)] module of ${file} at ${wrong.map((hunk) => hunk.where).join(', ')}; change only the code outside it`;
    },
  };
}

/**
 * The files a patch changes test code in, for a patch whose inline-test hunks were already held to `testCodeOnly`:
 * files matching the globs, and every file with inline tests it touches.
 */
export function listTestCodeFiles(files: string[], testGlobs: string[]): string[] {
  const isTest = picomatch(testGlobs, { dot: true });
  return files.filter((file) => isTest(file) || hasInlineTests(file));
}

const CFG_TEST = /^[ +-]?\s*#\[cfg\(test\)\]/;
const TEST_MODULE_CONTEXT = /^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+tests?\b/;

/**
 * A hunk of a diff seen without the file it applies to (a source PR's diff in collect): test code when its added
 * lines are whole `#[cfg(test)]` modules, when git's hunk-header context is a `mod test`/`mod tests` line, or when its
 * leading context shows `#[cfg(test)]` above the changed lines. A heuristic, unlike `classifyPatchHunk`: git names the
 * enclosing `fn` instead when a repository sets a Rust diff driver, and such hunks count as source.
 */
export function classifyHunkWithoutSource(header: string, lines: string[]): 'test' | 'source' {
  const added = lines.filter((line) => line.startsWith('+')).map((line) => line.slice(1));
  const hasRemoved = lines.some((line) => line.startsWith('-'));
  if (!hasRemoved && added.length > 0) {
    const modules = findRustTestModules(added.join('\n'));
    const isWhole = added.every((line, index) => /^\s*(?:\/\/.*)?$/.test(line) || modules.some((span) => span.start <= index + 1 && index + 1 <= span.end));
    if (modules.length > 0 && isWhole) return 'test';
  }
  const context = header.replace(/^@@[^@]*@@\s?/, '');
  if (TEST_MODULE_CONTEXT.test(context)) return 'test';
  const firstChange = lines.findIndex((line) => line.startsWith('+') || line.startsWith('-'));
  const leading = firstChange < 0 ? lines : lines.slice(0, firstChange);
  return leading.some((line) => CFG_TEST.test(line)) ? 'test' : 'source';
}

/** Changed lines of one file of a diff, split by `classifyHunkWithoutSource`. */
export interface SplitChange {
  testLines: number;
  sourceLines: number;
}

/** Split a file's hunks (each the `@@` header line, then its body lines) into test-code and source-code changed lines. */
export function splitHunksWithoutSource(hunks: string[]): SplitChange {
  const split: SplitChange = { testLines: 0, sourceLines: 0 };
  for (const hunk of hunks) {
    const [header = '', ...lines] = hunk.split('\n');
    const changed = lines.filter((line) => line.startsWith('+') || line.startsWith('-')).length;
    if (classifyHunkWithoutSource(header, lines) === 'test') split.testLines += changed;
    else split.sourceLines += changed;
  }
  return split;
}

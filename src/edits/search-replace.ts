import { mkdir, readFile, realpath, writeFile } from 'node:fs/promises';
import path from 'node:path';
import picomatch from 'picomatch';
import { SweMirrorError } from '../core/errors.js';
import { replaceLinesOnce, type MatchTier } from './search-replace-match.js';
import type { SearchReplaceBlock } from './search-replace-parse.js';

export { parseSearchReplaceBlocks, type SearchReplaceBlock, type ParsedSearchReplace } from './search-replace-parse.js';

/** Which files an edit step may touch, and how to say why a file is refused. */
export interface FilePolicy {
  isAllowed(relativePath: string): boolean;
  /** Why a refused file is refused, e.g. `the test step may edit test files only (tests/**)`. */
  reason: string;
  /**
   * A finer check of an allowed file's whole change (hunk by hunk where tests live inside source files): why it is
   * refused, or undefined. Both texts use `\n` line ends.
   */
  checkChange?(relativePath: string, before: string, after: string): string | undefined;
}

export interface SearchReplaceOptions {
  allowedFiles?: FilePolicy;
}

/** What one block did. */
export interface AppliedBlock {
  path: string;
  tier: MatchTier | 'created';
}

export interface SearchReplaceResult {
  /** Repository-relative paths written, in first-touched order. */
  files: string[];
  createdFiles: string[];
  blocks: AppliedBlock[];
}

/** A policy that allows only files matching the gym's test globs. */
export function testFilesOnly(testGlobs: string[], step = 'this step'): FilePolicy {
  const isTest = picomatch(testGlobs, { dot: true });
  return { isAllowed: (file) => isTest(file), reason: `${step} may edit test files only (test files match ${testGlobs.join(', ')})` };
}

/** A policy that allows only files that do not match the gym's test globs. */
export function nonTestFilesOnly(testGlobs: string[], step = 'this step'): FilePolicy {
  const isTest = picomatch(testGlobs, { dot: true });
  return {
    isAllowed: (file) => !isTest(file),
    reason: `${step} may not edit test files (test files match ${testGlobs.join(', ')})`,
  };
}

/**
 * Apply SEARCH/REPLACE blocks to a working copy: all blocks are checked in memory first, so a failing
 * block leaves the working copy untouched. Errors are the model's: missing/ambiguous search text,
 * a forbidden or escaping path, creating a file that already has content.
 */
export async function applySearchReplaceBlocks(
  workdir: string,
  blocks: SearchReplaceBlock[],
  options: SearchReplaceOptions = {},
): Promise<SearchReplaceResult> {
  if (blocks.length === 0) {
    throw editError('EDIT_NO_BLOCKS', 'The answer contains no SEARCH/REPLACE blocks.', 'Answer with at least one block in the format shown.');
  }
  const root = await realpath(workdir);
  const contents = new Map<string, FileState>();
  const applied: AppliedBlock[] = [];
  const order: string[] = [];
  for (const block of blocks) {
    const relative = await confinePath(root, block.path);
    if (options.allowedFiles && !options.allowedFiles.isAllowed(relative)) {
      throw editError(
        'EDIT_FORBIDDEN_FILE',
        `Edit to ${relative} refused: ${options.allowedFiles.reason}.`,
        'Edit only the files this step allows.',
        { file: relative },
      );
    }
    let state = contents.get(relative);
    if (state === undefined) {
      state = await readState(path.join(root, relative));
      contents.set(relative, state);
      order.push(relative);
    }
    if (block.searchLines.length === 0) {
      if (state.existed && state.lines.some((line) => line.trim() !== '')) {
        throw editError(
          'EDIT_FILE_EXISTS',
          `A block with an empty SEARCH would create ${relative}, but that file already exists and is not empty.`,
          'To change an existing file, put the exact lines to replace in SEARCH.',
          { file: relative },
        );
      }
      state.lines = [...block.replaceLines];
      state.finalNewline = true;
      applied.push({ path: relative, tier: 'created' });
      continue;
    }
    if (!state.existed && state.lines.length === 0) {
      throw editError(
        'EDIT_FILE_NOT_FOUND',
        `${relative} does not exist, so its SEARCH text cannot be found.`,
        'Use a path from the repository listing, or an empty SEARCH to create a new file.',
        { file: relative },
      );
    }
    const result = replaceLinesOnce(state.lines, block.searchLines, block.replaceLines);
    if (result.kind === 'missing') {
      throw editError(
        'EDIT_SEARCH_NOT_FOUND',
        `The SEARCH text for ${relative} was not found in the file:\n${quoteFirstLines(block.searchLines)}`,
        'Copy the SEARCH lines exactly from the current file content, including indentation.',
        { file: relative, search: block.searchLines.join('\n') },
      );
    }
    if (result.kind === 'ambiguous') {
      throw editError(
        'EDIT_SEARCH_AMBIGUOUS',
        `The SEARCH text for ${relative} matches ${result.lineNumbers.length} places (lines ${result.lineNumbers.join(', ')}):\n${quoteFirstLines(block.searchLines)}`,
        'Include more surrounding lines in SEARCH so that it matches exactly one place.',
        { file: relative, search: block.searchLines.join('\n'), lines: result.lineNumbers },
      );
    }
    state.lines = result.lines;
    applied.push({ path: relative, tier: result.tier });
  }
  if (options.allowedFiles?.checkChange) {
    for (const relative of order) {
      const state = contents.get(relative);
      if (state === undefined) continue;
      const after = state.lines.join('\n') + (state.finalNewline && state.lines.length > 0 ? '\n' : '');
      const refusal = options.allowedFiles.checkChange(relative, state.original, after);
      if (refusal !== undefined) throw editError('EDIT_FORBIDDEN_CHANGE', `Edit to ${relative} refused: ${refusal}.`, 'Edit only the code this step allows.', { file: relative });
    }
  }
  const createdFiles: string[] = [];
  for (const relative of order) {
    const state = contents.get(relative);
    if (state === undefined) continue;
    const absolute = path.join(root, relative);
    await mkdir(path.dirname(absolute), { recursive: true });
    const body = state.lines.join(state.eol) + (state.finalNewline && state.lines.length > 0 ? state.eol : '');
    await writeFile(absolute, body, 'utf8');
    if (!state.existed) createdFiles.push(relative);
  }
  return { files: order, createdFiles, blocks: applied };
}

/** Resolve a model-written path inside the repository, refusing anything that escapes it or touches `.git`. */
async function confinePath(root: string, written: string): Promise<string> {
  const refuse = (why: string): SweMirrorError =>
    editError('EDIT_PATH_OUTSIDE_REPOSITORY', `Edit to ${written} refused: ${why}.`, 'Use paths relative to the repository root, as in the listing.', {
      file: written,
    });
  if (written.includes('\0')) throw refuse('the path contains a NUL byte');
  if (path.isAbsolute(written)) throw refuse('absolute paths are not allowed');
  const absolute = path.resolve(root, written);
  const relative = path.relative(root, absolute);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) throw refuse('it points outside the repository');
  if (relative.split(path.sep).includes('.git')) throw refuse('it points into the .git directory');
  // A symlinked directory inside the repository could still lead outside it.
  const existingParent = await nearestExistingDirectory(path.dirname(absolute));
  const realParent = await realpath(existingParent);
  if (realParent !== root && !realParent.startsWith(root + path.sep)) throw refuse('it goes through a link that leaves the repository');
  try {
    const realFile = await realpath(absolute);
    if (realFile !== root && !realFile.startsWith(root + path.sep)) throw refuse('it is a link that leaves the repository');
  } catch (error) {
    if (error instanceof SweMirrorError) throw error;
  }
  return relative.split(path.sep).join('/');
}

async function nearestExistingDirectory(directory: string): Promise<string> {
  let current = directory;
  for (;;) {
    try {
      return await realpath(current);
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return current;
      current = parent;
    }
  }
}

interface FileState {
  lines: string[];
  eol: string;
  existed: boolean;
  finalNewline: boolean;
  /** The content before any block, `\n` line ends; empty for a new file. */
  original: string;
}

async function readState(absolute: string): Promise<FileState> {
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch {
    return { lines: [], eol: '\n', existed: false, finalNewline: true, original: '' };
  }
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const normalised = text.replace(/\r\n/g, '\n');
  const finalNewline = normalised.endsWith('\n');
  const body = finalNewline ? normalised.slice(0, -1) : normalised;
  return { lines: body === '' && !finalNewline ? [] : body.split('\n'), eol, existed: true, finalNewline, original: normalised };
}

function quoteFirstLines(lines: string[], count = 5): string {
  const shown = lines.slice(0, count).map((line) => `    ${line}`);
  if (lines.length > count) shown.push(`    ... (${lines.length - count} more lines)`);
  return shown.join('\n');
}

function editError(code: string, message: string, hint: string, details?: Record<string, unknown>): SweMirrorError {
  return new SweMirrorError({ code, kind: 'model', message, hint, ...(details ? { details } : {}) });
}

import { chmod, lstat, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { applyPatch as applyStructuredPatch, type StructuredPatch } from 'diff';
import { SweMirrorError } from '../core/errors.js';
import type { PatchFileSection, PatchHunk } from './patch-parse.js';

/** How far hunk context may drift from the file (lines missing, extra or changed) before a hunk is refused. */
const FUZZ_FACTOR = 2;

/** One file's final content after a patch (null: the file is removed). */
export interface PlannedWrite {
  path: string;
  content: string | null;
  /** Permission bits to set, when the patch says so. */
  mode?: number;
}

/** Compute, without writing, what a tolerant application of the sections would leave; throws PATCH_DOES_NOT_APPLY naming the file and hunk. */
export async function planFuzzyApply(workdir: string, sections: PatchFileSection[], label: string): Promise<PlannedWrite[]> {
  // Files as the plan has left them so far, so several sections may touch one file in turn.
  const pending = new Map<string, string | null>();
  const readCurrent = async (filePath: string): Promise<string | null> => {
    if (pending.has(filePath)) return pending.get(filePath) ?? null;
    return readFile(path.join(workdir, filePath), 'utf8').catch(() => null);
  };
  const writes: PlannedWrite[] = [];
  for (const section of sections) {
    const file = section.newPath ?? section.oldPath ?? '(unknown file)';
    if (section.oldMode === '120000' || section.newMode === '120000') {
      throw doesNotApply(label, file, undefined, 'symbolic links are only applied by git apply');
    }
    let original = '';
    if (section.oldPath === null) {
      if ((await readCurrent(file)) !== null) throw doesNotApply(label, file, undefined, 'the patch creates it but it already exists');
    } else {
      const content = await readCurrent(section.oldPath);
      if (content === null) throw doesNotApply(label, section.oldPath, undefined, 'the file does not exist');
      original = content;
    }
    const patched = applyHunks(original, section, label, file);
    if (section.oldPath !== null && section.oldPath !== section.newPath) {
      pending.set(section.oldPath, null);
      writes.push({ path: section.oldPath, content: null });
    }
    if (section.newPath !== null) {
      pending.set(section.newPath, patched);
      const mode = parseMode(section.newMode);
      writes.push(mode === undefined ? { path: section.newPath, content: patched } : { path: section.newPath, content: patched, mode });
    }
  }
  return writes;
}

/** Write a plan to disk. */
export async function writePlannedFiles(workdir: string, writes: PlannedWrite[]): Promise<void> {
  for (const write of writes) {
    const target = path.join(workdir, write.path);
    if (write.content === null) {
      await rm(target, { force: true });
      continue;
    }
    const existingMode = await lstat(target).then((stats) => stats.mode & 0o777, () => undefined);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, write.content);
    const mode = write.mode ?? existingMode;
    if (mode !== undefined) await chmod(target, mode);
  }
}

function applyHunks(original: string, section: PatchFileSection, label: string, file: string): string {
  if (section.hunks.length === 0) return original;
  const attempt = (hunks: PatchHunk[]): string | false =>
    applyStructuredPatch(original, toStructuredPatch(section, hunks), {
      fuzzFactor: FUZZ_FACTOR,
      compareLine: (_lineNumber, line, _operation, patchContent) => line !== undefined && line.trimEnd() === patchContent.trimEnd(),
    });
  const patched = attempt(section.hunks);
  if (patched !== false) return patched;
  // Name the first hunk that does not fit: the shortest failing prefix of hunks ends with it.
  for (let count = 1; count <= section.hunks.length; count++) {
    if (attempt(section.hunks.slice(0, count)) === false) {
      throw doesNotApply(label, file, section.hunks[count - 1], 'its context and removed lines are not in the file');
    }
  }
  throw doesNotApply(label, file, undefined, 'its hunks do not fit the file together');
}

function toStructuredPatch(section: PatchFileSection, hunks: PatchHunk[]): StructuredPatch {
  return {
    oldFileName: section.oldPath ?? '/dev/null',
    newFileName: section.newPath ?? '/dev/null',
    oldHeader: undefined,
    newHeader: undefined,
    // jsdiff counts a zero-length side's start one line later than the unified format writes it.
    hunks: hunks.map((hunk) => ({
      oldStart: hunk.oldLines === 0 ? hunk.oldStart + 1 : hunk.oldStart,
      oldLines: hunk.oldLines,
      newStart: hunk.newLines === 0 ? hunk.newStart + 1 : hunk.newStart,
      newLines: hunk.newLines,
      lines: hunk.lines,
    })),
  };
}

function parseMode(mode: string | undefined): number | undefined {
  if (mode === undefined || !/^\d{6}$/.test(mode)) return undefined;
  return parseInt(mode.slice(3), 8);
}

/** The error for a patch that does not apply, naming the patch, the file and (when known) the hunk. */
export function doesNotApply(label: string, file: string, hunk: PatchHunk | undefined, why: string, gitError?: string): SweMirrorError {
  const where = hunk ? `hunk "${hunk.header}" of ${file}` : file;
  return new SweMirrorError({
    code: 'PATCH_DOES_NOT_APPLY',
    kind: 'user',
    message: `${label} does not apply: ${where}: ${why}.`,
    hint: 'Regenerate the patch against the gym commit (and the patches applied before it), e.g. with `git diff`.',
    details: { label, file, hunk: hunk?.header, gitError },
  });
}

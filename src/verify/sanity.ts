import { isSweMirrorError } from '../core/errors.js';
import type { VerdictReason } from '../core/records.js';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { applyPatch, assertPatchConfined, classifyPatchFiles, invertPatch, listPatchFiles, parsePatch, readApplicablePatch } from '../edits/patch.js';
import { classifyContentChange, hasInlineTests } from '../test-code/test-code.js';

export interface TaskPatches {
  mirror: string;
  test: string;
  /** Default: the exact inverse of mirror.patch. */
  fix?: string;
}

/** The three patches as they will be applied, with their labels. */
export interface PlannedPatches {
  mirror: string;
  test: string;
  fix: string;
  isFixInverted: boolean;
}

export interface StaticSanity {
  reasons: VerdictReason[];
  /** Present when every patch could be read (and fix.patch derived). */
  patches?: PlannedPatches;
}

/** Which side of the gym's test globs each patch must stay on. */
const PATCH_SIDES = [
  { key: 'mirror', label: 'mirror.patch', mustTouch: 'source' },
  { key: 'test', label: 'test.patch', mustTouch: 'test' },
  { key: 'fix', label: 'fix.patch', mustTouch: 'source' },
] as const;

/** Checks that need no working copy: patches readable (not empty, not binary), each on its side of the test globs, fix.patch derivable. */
export function checkPatchesStatically(patches: TaskPatches, testGlobs: string[]): StaticSanity {
  const reasons: VerdictReason[] = [];
  let fix = patches.fix;
  if (fix === undefined && isReadable(patches.mirror)) {
    try {
      fix = invertPatch(patches.mirror);
    } catch (error) {
      if (!isSweMirrorError(error) || error.kind !== 'user') throw error;
      reasons.push(sanity(`fix.patch: ${error.message}`, []));
    }
  }
  // A derived fix.patch touches exactly mirror.patch's files: checking it again would only repeat mirror.patch's problems.
  const texts = { mirror: patches.mirror, test: patches.test, fix: patches.fix };
  for (const side of PATCH_SIDES) {
    const text = texts[side.key];
    if (text === undefined) continue;
    try {
      readApplicablePatch(text, side.label);
    } catch (error) {
      if (!isSweMirrorError(error) || error.kind !== 'user') throw error;
      reasons.push(sanity(error.message, []));
      continue;
    }
    const { testFiles, sourceFiles } = classifyPatchFiles(listPatchFiles(text), testGlobs);
    if (side.mustTouch === 'source' && testFiles.length > 0) {
      reasons.push(sanity(`${side.label} must change only non-test files, but it changes test files: ${testFiles.join(', ')}.`, testFiles));
    }
    // Rust keeps unit tests inside source files: those are judged hunk by hunk (checkInlineTestHunks).
    const nonTestFiles = side.mustTouch === 'test' ? sourceFiles.filter((file) => !hasInlineTests(file)) : [];
    if (nonTestFiles.length > 0) {
      reasons.push(sanity(`${side.label} must change only test files, but it changes non-test files: ${nonTestFiles.join(', ')}.`, nonTestFiles));
    }
  }
  if (reasons.length > 0 || fix === undefined) return { reasons };
  return { reasons, patches: { mirror: patches.mirror, test: patches.test, fix, isFixInverted: patches.fix === undefined } };
}

/** Source files whose tests may live inside them; the rule lives in src/test-code, shared with the mirror and collect stages. */
export { hasInlineTests } from '../test-code/test-code.js';

/**
 * Per-hunk sanity for source files with inline tests, on a working copy reset to the gym commit: mirror.patch and
 * a given fix.patch may not touch a `#[cfg(test)]` module; test.patch may touch nothing else of such a file. Each
 * patch's hunks are read against the file as it stands when that patch applies. Leaves the working copy patched.
 */
export async function checkInlineTestHunks(workdir: string, patches: PlannedPatches, testGlobs: string[]): Promise<VerdictReason[]> {
  const reasons: VerdictReason[] = [];
  const chain = [
    { label: 'mirror.patch', text: patches.mirror, mustTouch: 'source' as const },
    { label: 'test.patch', text: patches.test, mustTouch: 'test' as const },
    ...(patches.isFixInverted ? [] : [{ label: 'fix.patch', text: patches.fix, mustTouch: 'source' as const }]),
  ];
  for (const patch of chain) {
    // Judged on content, before and after the patch applies: hunk line numbers of a test.patch written against the
    // clean gym are off by whatever mirror.patch moved in the same file, and the edit steps use the same rule.
    const files = [...new Set(parsePatch(patch.text).flatMap((section) => [section.oldPath ?? section.newPath]))].filter(
      (file): file is string => file !== null && hasInlineTests(file) && classifyPatchFiles([file], testGlobs).testFiles.length === 0,
    );
    const readText = async (file: string): Promise<string> => (existsSync(path.join(workdir, file)) ? readFile(path.join(workdir, file), 'utf8') : '');
    const before = new Map<string, string>();
    for (const file of files) before.set(file, await readText(file));
    const applied = await applyStatePatches(workdir, [{ label: patch.label, text: patch.text }]);
    if (applied.reasons.length > 0) break;
    for (const file of files) {
      const wrong = classifyContentChange(before.get(file) ?? '', await readText(file)).filter((hunk) => hunk.side !== patch.mustTouch);
      if (wrong.length === 0) continue;
      const where = wrong.map((hunk) => hunk.where).join(', ');
      reasons.push(
        sanity(
          patch.mustTouch === 'test'
            ? `${patch.label} must change only test code, but it changes non-test code of ${file} (outside its #[cfg(test)] module) at ${where}.`
            : `${patch.label} must change only non-test code, but it changes the #[cfg(test)] module of ${file} at ${where}.`,
          [file],
        ),
      );
    }
  }
  return reasons;
}

/** Every patch's paths stay inside the working copy. */
export async function checkPatchesConfined(workdir: string, patches: PlannedPatches): Promise<VerdictReason[]> {
  const reasons: VerdictReason[] = [];
  for (const side of PATCH_SIDES) {
    if (side.key === 'fix' && patches.isFixInverted) continue;
    try {
      await assertPatchConfined(workdir, patches[side.key], { label: side.label });
    } catch (error) {
      if (!isSweMirrorError(error) || error.code !== 'PATCH_PATH_ESCAPES') throw error;
      const file = typeof error.details.path === 'string' ? [error.details.path] : [];
      reasons.push(sanity(error.message, file));
    }
  }
  return reasons;
}

/** The patches of each state, in application order. */
export function patchesForState(patches: PlannedPatches, state: 'run' | 'test' | 'fix'): Array<{ label: string; text: string }> {
  const all = [
    { label: 'mirror.patch', text: patches.mirror },
    { label: 'test.patch', text: patches.test },
    { label: 'fix.patch', text: patches.fix },
  ];
  return all.slice(0, state === 'run' ? 1 : state === 'test' ? 2 : 3);
}

/**
 * Apply a state's patches to a freshly reset working copy. A patch that does not apply becomes a sanity
 * reason saying where in the chain it failed; other errors propagate.
 */
export async function applyStatePatches(
  workdir: string,
  patches: Array<{ label: string; text: string }>,
): Promise<{ reasons: VerdictReason[]; methods: Record<string, string> }> {
  const methods: Record<string, string> = {};
  const after = (index: number): string =>
    index === 0 ? 'to the gym commit' : `after ${patches.slice(0, index).map((patch) => patch.label).join(' and ')}`;
  for (const [index, patch] of patches.entries()) {
    try {
      methods[patch.label] = (await applyPatch(workdir, patch.text, { label: patch.label })).method;
    } catch (error) {
      if (!isSweMirrorError(error) || error.kind !== 'user') throw error;
      const file = typeof error.details.file === 'string' ? [error.details.file] : typeof error.details.path === 'string' ? [error.details.path] : [];
      return { reasons: [sanity(`${patch.label} must apply ${after(index)}: ${error.message}`, file)], methods };
    }
  }
  return { reasons: [], methods };
}

/** Whether a patch parses and is neither empty nor binary (its problems are reported where it is checked). */
function isReadable(patch: string): boolean {
  try {
    readApplicablePatch(patch, 'patch');
    return true;
  } catch (error) {
    if (!isSweMirrorError(error) || error.kind !== 'user') throw error;
    return false;
  }
}

function sanity(message: string, files: string[]): VerdictReason {
  return files.length > 0 ? { rule: 'sanity', message, tests: [], files } : { rule: 'sanity', message, tests: [] };
}

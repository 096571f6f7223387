import { lstat, mkdtemp, readFile, readlink, rm, symlink, writeFile, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import picomatch from 'picomatch';
import { SweMirrorError, isSweMirrorError } from '../core/errors.js';
import { assertPatchConfined, sectionPaths } from './patch-confine.js';
import { planFuzzyApply, writePlannedFiles } from './patch-fuzzy.js';
import { runGitRaw } from '../core/git.js';
import { parsePatch, type PatchFileSection } from './patch-parse.js';

export { assertPatchConfined } from './patch-confine.js';
export { invertPatch } from './patch-invert.js';
export { parsePatch, type PatchFileSection, type PatchHunk } from './patch-parse.js';

export type PatchMethod = 'git' | '3way' | 'fuzzy';

export interface ApplyPatchOptions {
  /** Names the patch in messages, e.g. `mirror.patch`. */
  label?: string;
}

export type PatchCheck = { applies: true; method: PatchMethod } | { applies: false; error: SweMirrorError };

/** Every repository-relative path a patch touches (both sides of a rename), in order of appearance. */
export function listPatchFiles(patch: string): string[] {
  return [...new Set(parsePatch(patch).flatMap(sectionPaths))];
}

/** Split files into test files (matching any of the gym's globs) and source files. */
export function classifyPatchFiles(files: string[], testGlobs: string[]): { testFiles: string[]; sourceFiles: string[] } {
  const isTestFile = picomatch(testGlobs, { dot: true });
  const testFiles: string[] = [];
  const sourceFiles: string[] = [];
  for (const file of files) (isTestFile(file) ? testFiles : sourceFiles).push(file);
  return { testFiles, sourceFiles };
}

/** Parse and refuse what no method can apply: empty patches, binary patches, unsupported copies. */
export function readApplicablePatch(patch: string, label: string): PatchFileSection[] {
  const sections = patch.trim() === '' ? [] : parsePatch(patch);
  if (sections.length === 0) {
    throw new SweMirrorError({
      code: 'PATCH_EMPTY',
      kind: 'user',
      message: `${label} is empty: it changes no file.`,
      hint: 'A patch must be a unified diff (`git diff` output) that changes at least one file.',
      details: { label },
    });
  }
  const binary = sections.filter((section) => section.isBinary);
  if (binary.length > 0) {
    const files = binary.map((section) => section.newPath ?? section.oldPath).join(', ');
    throw new SweMirrorError({
      code: 'PATCH_BINARY',
      kind: 'user',
      message: `${label} holds a binary change (${files}); swe-mirror only applies text patches.`,
      hint: 'Remove the binary files from the patch; tasks must be expressible as text diffs.',
      details: { label, files },
    });
  }
  return sections;
}

/** Apply a patch to a working copy: `git apply`, then `git apply --3way`, then a fuzzy fallback; all or nothing. */
export async function applyPatch(workdir: string, patch: string, options: ApplyPatchOptions = {}): Promise<{ method: PatchMethod }> {
  const label = options.label ?? 'patch';
  const sections = readApplicablePatch(patch, label);
  await assertPatchConfined(workdir, patch, { label });
  const plain = await runGitRaw(workdir, ['apply', '--whitespace=nowarn', '-'], { input: patch });
  if (plain.exitCode === 0) return { method: 'git' };
  if (await tryThreeWay(workdir, patch, sections)) return { method: '3way' };
  const writes = await planFuzzyApply(workdir, sections, label).catch((error: unknown) => {
    throw withGitError(error, plain.stderr);
  });
  await writePlannedFiles(workdir, writes);
  return { method: 'fuzzy' };
}

/** Dry run of applyPatch: says whether and how the patch would apply, changing nothing. */
export async function checkPatch(workdir: string, patch: string, options: ApplyPatchOptions = {}): Promise<PatchCheck> {
  const label = options.label ?? 'patch';
  try {
    const sections = readApplicablePatch(patch, label);
    await assertPatchConfined(workdir, patch, { label });
    const plain = await runGitRaw(workdir, ['apply', '--check', '--whitespace=nowarn', '-'], { input: patch });
    if (plain.exitCode === 0) return { applies: true, method: 'git' };
    if (await tryThreeWay(workdir, patch, sections, { isDryRun: true })) return { applies: true, method: '3way' };
    await planFuzzyApply(workdir, sections, label).catch((error: unknown) => {
      throw withGitError(error, plain.stderr);
    });
    return { applies: true, method: 'fuzzy' };
  } catch (error) {
    if (isSweMirrorError(error) && error.kind === 'user') return { applies: false, error };
    throw error;
  }
}

/** Unified diff of every change in the working copy against HEAD, untracked (not ignored) files included. */
export async function diffWorkingCopy(workdir: string): Promise<string> {
  const temporary = await mkdtemp(path.join(os.tmpdir(), 'swe-mirror-diff-'));
  // A private index keeps the working copy's own index untouched.
  const env = { GIT_INDEX_FILE: path.join(temporary, 'index') };
  try {
    await expectGit(workdir, ['read-tree', 'HEAD'], env);
    await expectGit(workdir, ['add', '-A'], env);
    const diff = await expectGit(
      workdir,
      ['-c', 'diff.noprefix=false', 'diff', '--cached', '--no-color', '--no-ext-diff', '--no-textconv', '--no-renames', '--src-prefix=a/', '--dst-prefix=b/', 'HEAD'],
      env,
    );
    return diff.stdout;
  } finally {
    await rm(temporary, { recursive: true, force: true });
  }
}

async function expectGit(workdir: string, args: string[], env?: Record<string, string>): Promise<{ stdout: string }> {
  const result = await runGitRaw(workdir, args, env ? { env } : {});
  if (result.exitCode !== 0) {
    throw new SweMirrorError({
      code: 'GIT_FAILED',
      kind: 'infrastructure',
      message: `git ${args.join(' ')} failed in ${workdir}: ${result.stderr.trim()}`,
      hint: 'Check that the working copy is a git repository with at least one commit.',
    });
  }
  return result;
}

/**
 * `git apply --3way` against a private index built from the working tree's current files, so earlier
 * patches applied without the index do not block it; conflicts are rolled back.
 */
async function tryThreeWay(workdir: string, patch: string, sections: PatchFileSection[], options: { isDryRun?: boolean } = {}): Promise<boolean> {
  if ((await runGitRaw(workdir, ['rev-parse', '--verify', '-q', 'HEAD'])).exitCode !== 0) return false;
  const files = [...new Set(sections.flatMap(sectionPaths))];
  const snapshot = options.isDryRun ? [] : await snapshotFiles(workdir, files);
  const temporary = await mkdtemp(path.join(os.tmpdir(), 'swe-mirror-3way-'));
  const env = { GIT_INDEX_FILE: path.join(temporary, 'index') };
  try {
    if ((await runGitRaw(workdir, ['read-tree', 'HEAD'], { env })).exitCode !== 0) return false;
    const update = await runGitRaw(workdir, ['update-index', '--add', '--remove', '--', ...files], { env });
    if (update.exitCode !== 0) return false;
    const check = options.isDryRun ? ['--check'] : [];
    const result = await runGitRaw(workdir, ['apply', '--3way', ...check, '--whitespace=nowarn', '-'], { env, input: patch });
    // A dry run exits 0 even when the merge would leave conflicts; git says so on stderr.
    if (result.exitCode === 0 && !result.stderr.includes('with conflicts')) return true;
    await restoreFiles(workdir, snapshot);
    return false;
  } finally {
    await rm(temporary, { recursive: true, force: true });
  }
}

type FileSnapshot = { path: string; kind: 'absent' } | { path: string; kind: 'file'; content: Buffer; mode: number } | { path: string; kind: 'link'; target: string };

async function snapshotFiles(workdir: string, files: string[]): Promise<FileSnapshot[]> {
  return Promise.all(
    files.map(async (file): Promise<FileSnapshot> => {
      const target = path.join(workdir, file);
      const stats = await lstat(target).catch(() => undefined);
      if (!stats || stats.isDirectory()) return { path: file, kind: 'absent' };
      if (stats.isSymbolicLink()) return { path: file, kind: 'link', target: await readlink(target) };
      return { path: file, kind: 'file', content: await readFile(target), mode: stats.mode & 0o777 };
    }),
  );
}

async function restoreFiles(workdir: string, snapshot: FileSnapshot[]): Promise<void> {
  for (const entry of snapshot) {
    const target = path.join(workdir, entry.path);
    await rm(target, { force: true });
    if (entry.kind === 'file') {
      await writeFile(target, entry.content);
      await chmod(target, entry.mode);
    } else if (entry.kind === 'link') {
      await symlink(entry.target, target);
    }
  }
}

function withGitError(error: unknown, gitError: string): unknown {
  if (!isSweMirrorError(error) || error.code !== 'PATCH_DOES_NOT_APPLY') return error;
  const firstGitLine = gitError.split('\n').find((line) => line.startsWith('error:'));
  return new SweMirrorError({
    code: error.code,
    kind: error.kind,
    message: firstGitLine ? `${error.message} (git apply: ${firstGitLine.replace(/^error:\s*/, '').trim()})` : error.message,
    ...(error.hint === undefined ? {} : { hint: error.hint }),
    details: { ...error.details, gitError: gitError.trim() },
  });
}

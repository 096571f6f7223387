import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SweMirrorError } from '../../src/core/errors.js';
import {
  applyPatch,
  assertPatchConfined,
  checkPatch,
  classifyPatchFiles,
  diffWorkingCopy,
  listPatchFiles,
} from '../../src/edits/patch.js';
import { createRepo, git, removeDirectory, resetRepo, snapshotTree, writeTree } from '../verify/support/git-repo.js';

const lines = (count: number, label = 'line'): string => Array.from({ length: count }, (_, index) => `${label} ${index + 1}\n`).join('');

const repositories: string[] = [];
function repo(files: Record<string, string>): string {
  const root = createRepo(files);
  repositories.push(root);
  return root;
}
afterEach(() => {
  for (const root of repositories.splice(0)) removeDirectory(root);
});

/** Make changes in the repository, capture them as `git diff`, then restore HEAD. */
function diffOf(root: string, change: () => void): string {
  change();
  git(root, 'add', '-A');
  const patch = git(root, 'diff', '--cached', 'HEAD');
  resetRepo(root);
  return patch;
}

async function expectError(promise: Promise<unknown>, code: string): Promise<SweMirrorError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SweMirrorError);
  expect((error as SweMirrorError).code).toBe(code);
  return error as SweMirrorError;
}

describe('listPatchFiles and classifyPatchFiles', () => {
  it('lists modified, added, deleted and renamed files, quoted paths unquoted', () => {
    const root = repo({ 'src/a.py': lines(5), 'src/old.py': lines(5, 'old'), 'docs/gone.md': 'bye\n' });
    const patch = diffOf(root, () => {
      writeFileSync(path.join(root, 'src/a.py'), lines(6));
      git(root, 'mv', 'src/old.py', 'src/new.py');
      git(root, 'rm', '-q', 'docs/gone.md');
      writeTree(root, { 'tests/caf\u00e9 test.py': 'x = 1\n' });
    });
    expect(patch).toContain('rename from src/old.py');
    expect(listPatchFiles(patch).sort()).toEqual(['docs/gone.md', 'src/a.py', 'src/new.py', 'src/old.py', 'tests/caf\u00e9 test.py']);
  });

  it('classifies by the gym globs, dot files included', () => {
    const result = classifyPatchFiles(['src/a.py', 'tests/test_a.py', 'lib/x.test.js', '.hidden/x.test.js'], ['tests/**', '**/*.test.js']);
    expect(result).toEqual({ testFiles: ['tests/test_a.py', 'lib/x.test.js', '.hidden/x.test.js'], sourceFiles: ['src/a.py'] });
  });
});

describe('assertPatchConfined', () => {
  const patchFor = (file: string): string => `--- a/${file}\n+++ b/${file}\n@@ -1 +1 @@\n-a\n+b\n`;

  it.each([
    ['../outside.txt', 'climbs out with ".."'],
    ['src/../../outside.txt', 'climbs out with ".."'],
    ['.git/hooks/pre-commit', 'inside the .git directory'],
  ])('refuses %s and names it', async (file, problem) => {
    const root = repo({ 'a.txt': 'a\n' });
    const error = await expectError(assertPatchConfined(root, patchFor(file), { label: 'mirror.patch' }), 'PATCH_PATH_ESCAPES');
    expect(error.message).toContain(`mirror.patch touches "${file}"`);
    expect(error.message).toContain(problem);
    expect(error.kind).toBe('user');
  });

  it('refuses absolute paths', async () => {
    const root = repo({ 'a.txt': 'a\n' });
    const patch = '--- /etc/passwd\n+++ /etc/passwd\n@@ -1 +1 @@\n-a\n+b\n';
    // -p1 strips the leading empty component, so an absolute path becomes "etc/passwd": git does the same.
    await expect(assertPatchConfined(root, patch)).resolves.toBeUndefined();
    const gitStyle = 'diff --git a//etc/passwd b//etc/passwd\n--- a//etc/passwd\n+++ b//etc/passwd\n@@ -1 +1 @@\n-a\n+b\n';
    const error = await expectError(assertPatchConfined(root, gitStyle), 'PATCH_PATH_ESCAPES');
    expect(error.message).toContain('is an absolute path');
  });

  it('refuses paths through a symlink that points out of the repository, allows one that stays inside', async () => {
    const root = repo({ 'inner/a.txt': 'a\n' });
    const outside = mkdtempSync(path.join(os.tmpdir(), 'swe-mirror-outside-'));
    repositories.push(outside);
    symlinkSync(outside, path.join(root, 'escape'));
    symlinkSync('inner', path.join(root, 'alias'));
    const error = await expectError(assertPatchConfined(root, patchFor('escape/a.txt'), { label: 'test.patch' }), 'PATCH_PATH_ESCAPES');
    expect(error.message).toContain('symbolic link escape');
    await expect(assertPatchConfined(root, patchFor('alias/a.txt'))).resolves.toBeUndefined();
    // A dangling link pointing out is refused too.
    symlinkSync('/nonexistent/place', path.join(root, 'dangling'));
    await expectError(assertPatchConfined(root, patchFor('dangling')), 'PATCH_PATH_ESCAPES');
  });

  it('refuses a patch that creates a symlink pointing out', async () => {
    const root = repo({ 'a.txt': 'a\n' });
    const patch = 'diff --git a/link b/link\nnew file mode 120000\nindex 0000000..1111111\n--- /dev/null\n+++ b/link\n@@ -0,0 +1 @@\n+../../etc\n\\ No newline at end of file\n';
    const error = await expectError(assertPatchConfined(root, patch), 'PATCH_PATH_ESCAPES');
    expect(error.message).toContain('creates a symbolic link to ../../etc');
  });
});

describe('applyPatch', () => {
  it('applies a clean patch with git apply and reproduces the exact bytes', async () => {
    const root = repo({ 'src/a.py': lines(10), 'src/b.py': 'b\n' });
    let expected: Record<string, string> = {};
    const patch = diffOf(root, () => {
      writeFileSync(path.join(root, 'src/a.py'), lines(10).replace('line 5\n', 'line five\n'));
      writeTree(root, { 'src/c.py': 'new\n' });
      rmSync(path.join(root, 'src/b.py'));
      expected = snapshotTree(root);
    });
    await expect(applyPatch(root, patch, { label: 'mirror.patch' })).resolves.toEqual({ method: 'git' });
    expect(snapshotTree(root)).toEqual(expected);
  });

  it('falls back to a three-way merge when the context moved but the base blob is known', async () => {
    const root = repo({ 'a.txt': lines(20) });
    const patch = diffOf(root, () => writeFileSync(path.join(root, 'a.txt'), lines(20).replace('line 10\n', 'line ten\n')));
    // An earlier patch changed a context line of this one (not in the index, as verify leaves it).
    writeFileSync(path.join(root, 'a.txt'), lines(20).replace('line 12\n', 'line twelve\n'));
    const before = snapshotTree(root);
    await expect(checkPatch(root, patch)).resolves.toEqual({ applies: true, method: '3way' });
    expect(snapshotTree(root)).toEqual(before);
    await expect(applyPatch(root, patch)).resolves.toEqual({ method: '3way' });
    expect(readFileSync(path.join(root, 'a.txt'), 'utf8')).toBe(lines(20).replace('line 10\n', 'line ten\n').replace('line 12\n', 'line twelve\n'));
  });

  it('rolls back a three-way merge that conflicts, leaving no conflict markers', async () => {
    const root = repo({ 'a.txt': lines(20) });
    const patch = diffOf(root, () => writeFileSync(path.join(root, 'a.txt'), lines(20).replace('line 10\n', 'line ten\n')));
    writeFileSync(path.join(root, 'a.txt'), lines(20).replace('line 10\n', 'line X\n'));
    const before = snapshotTree(root);
    const check = await checkPatch(root, patch);
    expect(check.applies).toBe(false);
    const error = await expectError(applyPatch(root, patch, { label: 'fix.patch' }), 'PATCH_DOES_NOT_APPLY');
    expect(error.message).toContain('fix.patch does not apply: hunk "@@ -7,7 +7,7 @@ line 6" of a.txt: its context and removed lines are not in the file. (git apply: patch failed: a.txt:7)');
    expect(snapshotTree(root)).toEqual(before);
  });

  it('falls back to fuzzy matching for a plain diff whose context drifted', async () => {
    const root = repo({ 'a.txt': lines(20) });
    const patch = '--- a/a.txt\n+++ b/a.txt\n@@ -8,5 +8,5 @@\n line 8\n line 9\n-line 10\n+line ten\n line 11\n line 12\n';
    writeFileSync(path.join(root, 'a.txt'), lines(20).replace('line 12\n', 'line twelve\n'));
    await expect(checkPatch(root, patch)).resolves.toEqual({ applies: true, method: 'fuzzy' });
    await expect(applyPatch(root, patch)).resolves.toEqual({ method: 'fuzzy' });
    expect(readFileSync(path.join(root, 'a.txt'), 'utf8')).toBe(lines(20).replace('line 10\n', 'line ten\n').replace('line 12\n', 'line twelve\n'));
  });

  it('names the patch, file and hunk that failed, and changes nothing', async () => {
    const root = repo({ 'a.txt': lines(30), 'b.txt': lines(5) });
    const before = snapshotTree(root);
    const patch = [
      '--- a/b.txt', '+++ b/b.txt', '@@ -1,2 +1,2 @@', '-line 1', '+line one', ' line 2',
      '--- a/a.txt', '+++ b/a.txt', '@@ -2,3 +2,3 @@', ' line 2', '-line 3', '+line three', ' line 4',
      '@@ -20,3 +20,3 @@ def something', ' line 20', '-no such line', '+replacement', ' line 22', '',
    ].join('\n');
    const error = await expectError(applyPatch(root, patch, { label: 'test.patch' }), 'PATCH_DOES_NOT_APPLY');
    expect(error.kind).toBe('user');
    expect(error.message).toContain('test.patch does not apply: hunk "@@ -20,3 +20,3 @@ def something" of a.txt');
    expect(error.details).toMatchObject({ label: 'test.patch', file: 'a.txt', hunk: '@@ -20,3 +20,3 @@ def something' });
    expect(snapshotTree(root)).toEqual(before);
  });

  it('says when the file to patch is missing', async () => {
    const root = repo({ 'a.txt': 'a\n' });
    const error = await expectError(applyPatch(root, '--- a/nope.txt\n+++ b/nope.txt\n@@ -1 +1 @@\n-a\n+b\n', { label: 'fix.patch' }), 'PATCH_DOES_NOT_APPLY');
    expect(error.message).toContain('fix.patch does not apply: nope.txt: the file does not exist');
  });

  it('refuses binary patches and empty patches with clear messages', async () => {
    const root = repo({ 'a.txt': 'a\n' });
    writeFileSync(path.join(root, 'image.bin'), Buffer.from([0, 1, 2, 255, 0, 3]));
    git(root, 'add', '-A');
    const summary = git(root, 'diff', '--cached', 'HEAD');
    const full = git(root, 'diff', '--cached', '--binary', 'HEAD');
    resetRepo(root);
    expect(summary).toContain('Binary files /dev/null and b/image.bin differ');
    expect(full).toContain('GIT binary patch');
    for (const patch of [summary, full]) {
      const error = await expectError(applyPatch(root, patch, { label: 'mirror.patch' }), 'PATCH_BINARY');
      expect(error.message).toContain('mirror.patch holds a binary change (image.bin)');
    }
    expect(existsSync(path.join(root, 'image.bin'))).toBe(false);
    const empty = await expectError(applyPatch(root, '', { label: 'test.patch' }), 'PATCH_EMPTY');
    expect(empty.message).toBe('test.patch is empty: it changes no file.');
    await expectError(applyPatch(root, 'just some words\n\n', { label: 'test.patch' }), 'PATCH_EMPTY');
  });
});

describe('checkPatch', () => {
  it('reports whether a patch applies without changing anything', async () => {
    const root = repo({ 'a.txt': lines(5) });
    const patch = diffOf(root, () => writeFileSync(path.join(root, 'a.txt'), lines(6)));
    const before = snapshotTree(root);
    await expect(checkPatch(root, patch)).resolves.toEqual({ applies: true, method: 'git' });
    const broken = patch.replace('line 5', 'line 99');
    const result = await checkPatch(root, broken, { label: 'mirror.patch' });
    expect(result.applies).toBe(false);
    if (!result.applies) expect(result.error.message).toContain('mirror.patch does not apply: hunk');
    expect(snapshotTree(root)).toEqual(before);
  });
});

describe('diffWorkingCopy', () => {
  it('captures tracked changes and untracked files, not ignored ones, as an applicable patch', async () => {
    const root = repo({ '.gitignore': 'node_modules/\n', 'a.txt': lines(5), 'b.txt': 'b\n' });
    writeFileSync(path.join(root, 'a.txt'), lines(4));
    rmSync(path.join(root, 'b.txt'));
    writeTree(root, { 'new/file.txt': 'fresh\n', 'node_modules/dep/index.js': 'ignored\n' });
    const expected = snapshotTree(root);
    const diff = await diffWorkingCopy(root);
    expect(listPatchFiles(diff).sort()).toEqual(['a.txt', 'b.txt', 'new/file.txt']);
    expect(git(root, 'status', '--porcelain')).toContain('?? new/');
    resetRepo(root);
    await applyPatch(root, diff);
    expect(snapshotTree(root)).toEqual(expected);
  });
});

import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SweMirrorError } from '../../src/core/errors.js';
import { applyPatch, invertPatch } from '../../src/edits/patch.js';
import { createRepo, git, removeDirectory, resetRepo, snapshotTree, writeTree } from '../verify/support/git-repo.js';

const repositories: string[] = [];
afterEach(() => {
  for (const root of repositories.splice(0)) removeDirectory(root);
});

const numbered = (count: number): string => Array.from({ length: count }, (_, index) => `value_${index + 1} = ${index + 1}\n`).join('');

/**
 * Build a repository, make `change`, capture it as a git diff, then check on the pristine
 * repository: patch → changed bytes; inverse → original bytes, both applied by plain git apply.
 */
async function expectRoundTrip(files: Record<string, string>, change: (root: string) => void): Promise<string> {
  const root = createRepo(files);
  repositories.push(root);
  const original = snapshotTree(root);
  change(root);
  const changed = snapshotTree(root);
  git(root, 'add', '-A');
  const patch = git(root, 'diff', '--cached', '-M', 'HEAD');
  resetRepo(root);
  expect(snapshotTree(root)).toEqual(original);
  const inverse = invertPatch(patch);
  expect(await applyPatch(root, patch)).toEqual({ method: 'git' });
  expect(snapshotTree(root)).toEqual(changed);
  expect(await applyPatch(root, inverse, { label: 'fix.patch' })).toEqual({ method: 'git' });
  expect(snapshotTree(root)).toEqual(original);
  // Inverting twice gives the patch back.
  expect(invertPatch(inverse)).toBe(patch);
  return inverse;
}

describe('invertPatch', () => {
  it('restores the exact bytes after edits in several hunks', async () => {
    await expectRoundTrip({ 'src/calc.py': numbered(40) }, (root) => {
      const edited = numbered(40).replace('value_3 = 3\n', 'value_3 = 4\nextra = 0\n').replace('value_30 = 30\n', '');
      writeFileSync(path.join(root, 'src/calc.py'), edited);
    });
  });

  it('turns an added file into a deletion and a deleted file into an addition', async () => {
    const inverse = await expectRoundTrip({ 'src/keep.py': 'keep\n', 'src/gone.py': 'gone\nfor good\n' }, (root) => {
      rmSync(path.join(root, 'src/gone.py'));
      writeTree(root, { 'src/added.py': 'brand\nnew\n' });
    });
    expect(inverse).toContain('deleted file mode 100644');
    expect(inverse).toContain('new file mode 100644');
    expect(inverse).toContain('--- a/src/added.py\n+++ /dev/null');
    expect(inverse).toContain('--- /dev/null\n+++ b/src/gone.py');
  });

  it('keeps "no newline at end of file" on the right side, both ways', async () => {
    await expectRoundTrip({ 'a.txt': 'one\ntwo', 'b.txt': 'one\ntwo\n' }, (root) => {
      writeFileSync(path.join(root, 'a.txt'), 'one\ntwo\n');
      writeFileSync(path.join(root, 'b.txt'), 'one\nTWO');
    });
  });

  it('reverses renames with changes and mode changes', async () => {
    const inverse = await expectRoundTrip({ 'lib/old_name.py': numbered(20), 'run.py': 'print(1)\n' }, (root) => {
      git(root, 'mv', 'lib/old_name.py', 'lib/new_name.py');
      writeFileSync(path.join(root, 'lib/new_name.py'), numbered(20).replace('value_2 = 2', 'value_2 = 22'));
      chmodSync(path.join(root, 'run.py'), 0o755);
    });
    expect(inverse).toContain('rename from lib/new_name.py\nrename to lib/old_name.py');
    expect(inverse).toContain('old mode 100755\nnew mode 100644');
  });

  it('matches git diff -R for a simple change', () => {
    const root = createRepo({ 'a.txt': 'alpha\nbeta\ngamma\n' });
    repositories.push(root);
    writeFileSync(path.join(root, 'a.txt'), 'alpha\nBETA\nbeta 2\ngamma\n');
    // git -R keeps each side's prefix with its name (`diff --git b/a.txt a/a.txt`); swe-mirror writes a/ for the old side.
    const fromIndexLine = (patch: string): string => patch.slice(patch.indexOf('\nindex '));
    const inverse = invertPatch(git(root, 'diff'));
    expect(fromIndexLine(inverse).replace('--- a/a.txt\n+++ b/a.txt', '--- b/a.txt\n+++ a/a.txt')).toBe(fromIndexLine(git(root, 'diff', '-R')));
    expect(inverse.startsWith('diff --git a/a.txt b/a.txt\n')).toBe(true);
  });

  it('refuses binary patches and empty input', () => {
    expect(() => invertPatch('')).toThrow(SweMirrorError);
    expect(() => invertPatch('diff --git a/x.bin b/x.bin\nindex 1..2 100644\nBinary files a/x.bin and b/x.bin differ\n')).toThrow(/binary patch/);
  });
});

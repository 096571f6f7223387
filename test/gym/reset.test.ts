import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DETERMINISTIC_COMMIT_ENVIRONMENT, runGit } from '../../src/core/git.js';
import { resetWorkingCopy } from '../../src/gym/reset.js';

async function makeRepository(): Promise<{ directory: string; commit: string }> {
  const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-reset-'));
  await writeFile(path.join(directory, '.gitignore'), 'dist/\n');
  await mkdir(path.join(directory, 'src'));
  await writeFile(path.join(directory, 'src', 'index.js'), 'export const answer = 42;\n');
  await writeFile(path.join(directory, 'src', 'gone.js'), 'export const gone = true;\n');
  await runGit(directory, ['init', '-q', '-b', 'main']);
  await runGit(directory, ['add', '-A']);
  await runGit(directory, ['commit', '-q', '-m', 'initial'], { env: DETERMINISTIC_COMMIT_ENVIRONMENT });
  // Install artefacts are ignored through .git/info/exclude, as prepareGym does.
  await writeFile(path.join(directory, '.git', 'info', 'exclude'), 'node_modules/\n');
  return { directory, commit: (await runGit(directory, ['rev-parse', 'HEAD'])).trim() };
}

describe('resetWorkingCopy', () => {
  it('restores tracked files, removes untracked ones, keeps ignored install artefacts', async () => {
    const { directory, commit } = await makeRepository();
    await writeFile(path.join(directory, 'src', 'index.js'), 'export const answer = 41;\n');
    await rm(path.join(directory, 'src', 'gone.js'));
    await writeFile(path.join(directory, 'src', 'new.js'), 'new\n');
    await mkdir(path.join(directory, 'untracked-dir', 'deep'), { recursive: true });
    await writeFile(path.join(directory, 'untracked-dir', 'deep', 'file.txt'), 'x');
    await mkdir(path.join(directory, 'node_modules', 'left-pad'), { recursive: true });
    await writeFile(path.join(directory, 'node_modules', 'left-pad', 'index.js'), 'module.exports = 1;\n');
    await mkdir(path.join(directory, 'dist'));
    await writeFile(path.join(directory, 'dist', 'bundle.js'), 'built');
    await runGit(directory, ['add', 'src/new.js']);

    await resetWorkingCopy(directory, commit);

    expect(await readFile(path.join(directory, 'src', 'index.js'), 'utf8')).toBe('export const answer = 42;\n');
    expect(existsSync(path.join(directory, 'src', 'gone.js'))).toBe(true);
    expect(existsSync(path.join(directory, 'src', 'new.js'))).toBe(false);
    expect(existsSync(path.join(directory, 'untracked-dir'))).toBe(false);
    expect(await readFile(path.join(directory, 'node_modules', 'left-pad', 'index.js'), 'utf8')).toBe('module.exports = 1;\n');
    expect(existsSync(path.join(directory, 'dist', 'bundle.js'))).toBe(true);
    expect(await runGit(directory, ['status', '--porcelain'])).toBe('');
  });

  it('moves back to the pinned commit after a commit was made on top', async () => {
    const { directory, commit } = await makeRepository();
    await writeFile(path.join(directory, 'src', 'index.js'), 'changed\n');
    await runGit(directory, ['commit', '-q', '-am', 'change'], { env: DETERMINISTIC_COMMIT_ENVIRONMENT });
    await resetWorkingCopy(directory, commit);
    expect((await runGit(directory, ['rev-parse', 'HEAD'])).trim()).toBe(commit);
    expect(await readFile(path.join(directory, 'src', 'index.js'), 'utf8')).toBe('export const answer = 42;\n');
  });
});

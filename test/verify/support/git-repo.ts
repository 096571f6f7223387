import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Files of a repository as text (or Buffer), by repository-relative path. */
export type FileTree = Record<string, string | Buffer>;

/** Run git in a directory and return stdout; throws on failure. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_DATE: '2024-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z' },
  });
}

/** Write files into a directory, creating folders. */
export function writeTree(root: string, files: FileTree): void {
  for (const [file, content] of Object.entries(files)) {
    const target = path.join(root, file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
    if (file.endsWith('.sh')) chmodSync(target, 0o755);
  }
}

/** A real git repository in the system temp dir (never under a `test` folder), with one commit holding `files`. */
export function createRepo(files: FileTree, prefix = 'swe-mirror-repo-'): string {
  const root = mkdtempSync(path.join(os.tmpdir(), prefix));
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'config', 'user.email', 'tests@example.com');
  git(root, 'config', 'user.name', 'Tests');
  git(root, 'config', 'commit.gpgsign', 'false');
  writeTree(root, files);
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'initial');
  return root;
}

/** Every file of the working tree (outside .git) with its bytes, for exact comparisons. */
export function snapshotTree(root: string): Record<string, string> {
  const result: Record<string, string> = {};
  const walk = (directory: string): void => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      if (entry.name === '.git') continue;
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) walk(full);
      else result[path.relative(root, full)] = `${(statSync(full).mode & 0o777).toString(8)}:${readFileSync(full).toString('base64')}`;
    }
  };
  walk(root);
  return result;
}

/** Restore the working tree to HEAD exactly (tracked files and untracked ones). */
export function resetRepo(root: string): void {
  git(root, 'reset', '-q', '--hard', 'HEAD');
  git(root, 'clean', '-q', '-fd');
}

export function removeDirectory(root: string): void {
  rmSync(root, { recursive: true, force: true });
}

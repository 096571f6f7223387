import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Create a real git repository in a temp dir from an inline file tree, committed; returns its path and commit. */
export async function createGitRepository(files: Record<string, string>, prefix = 'swe-mirror-repo-'): Promise<{ directory: string; commit: string }> {
  const directory = await mkdtemp(path.join(tmpdir(), prefix));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(directory, name)), { recursive: true });
    await writeFile(path.join(directory, name), content);
  }
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: directory,
      encoding: 'utf8',
      env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
    });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'initial');
  return { directory, commit: git('rev-parse', 'HEAD').trim() };
}

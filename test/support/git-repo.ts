import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gymSpecSchema, type GymSpecInput } from '../../src/config/gym-spec.js';
import type { PreparedGym } from '../../src/gym/types.js';

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

/**
 * A python "calc" gym as the pipeline holds it after preparation, over a fresh git repository of `files`
 * (exports read only its spec, working copy and commit; nothing is installed or baselined).
 */
export async function createPreparedCalcGym(files: Record<string, string>, specOverrides: Partial<GymSpecInput> = {}): Promise<PreparedGym> {
  const repository = await createGitRepository(files, 'swe-mirror-calc-');
  const spec = gymSpecSchema.parse({
    name: 'calc',
    language: 'python',
    repo: '.',
    test: { command: 'python -m pytest -rA -p no:cacheprovider', report: { format: 'pytest-ra' } },
    testFiles: ['tests/**'],
    ...specOverrides,
  });
  return {
    spec,
    loaded: { spec, specPath: path.join(repository.directory, 'gym.yaml'), repoLocation: repository.directory, isRemote: false, text: '' },
    specHash: 'calc',
    directory: repository.directory,
    workdir: repository.directory,
    commit: repository.commit,
    cacheDirectory: repository.directory,
    baseline: { tests: {}, runs: 1, quarantined: [], durationsMs: [] },
    preparedAt: '2024-01-01T00:00:00Z',
  };
}

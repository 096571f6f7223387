import { cp, mkdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { deterministicGitEnvironment, runGit } from '../core/git.js';
import { resetWorkingCopy } from '../gym/reset.js';
import { leaseWorkingCopy } from '../gym/working-copies.js';
import { ensureBaseCommit } from '../validate/validate-export.js';
import type { ExportedGym } from '../validate/prepare-exported-gym.js';
import type { ExportedTask } from '../validate/read-exported-tasks.js';

/**
 * The repository an agent works in: the task's buggy tree (install artefacts included) in a fresh git
 * repository whose only commit is that tree. The working copy's history holds the gym commit, the parent
 * of the buggy commit, whose diff is the fix; none of it, and no test.patch, is copied.
 */
export async function createAgentWorkspace(exported: ExportedGym, task: ExportedTask, directory: string): Promise<string> {
  await rm(directory, { recursive: true, force: true });
  await mkdir(path.dirname(directory), { recursive: true });
  const lease = await leaseWorkingCopy(exported.gym);
  try {
    await ensureBaseCommit(exported, task, lease.workdir);
    await resetWorkingCopy(lease.workdir, task.baseCommit);
    await cp(lease.workdir, directory, {
      recursive: true,
      verbatimSymlinks: true,
      preserveTimestamps: true,
      filter: (source) => path.relative(lease.workdir, source) !== '.git',
    });
    const exclude = path.join(lease.workdir, '.git', 'info', 'exclude');
    await runGit(directory, ['init', '-q']);
    if (existsSync(exclude)) await cp(exclude, path.join(directory, '.git', 'info', 'exclude'));
  } finally {
    await lease.release();
  }
  await runGit(directory, ['add', '-A']);
  await runGit(directory, ['commit', '-q', '--no-verify', '-m', 'buggy repository'], { env: deterministicGitEnvironment() });
  return directory;
}

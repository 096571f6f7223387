import { runGit } from '../../core/git.js';

/** What a working copy holds beyond a commit: files to copy into the container, and files to delete there. */
export interface WorkingCopyChanges {
  /** Added, modified or type-changed files, and untracked or ignored files (relative paths). */
  written: string[];
  /** Files of the commit that the working copy no longer has. */
  deleted: string[];
}

/**
 * Compare a working copy with `baseCommit` (the commit the gym image holds), through swe-mirror's hardened host git.
 * Untracked files count whatever the ignore rules say: a patch that adds an ignored conftest.py must still reach
 * the container. `.git` is never part of the changes.
 */
export async function listWorkingCopyChanges(workdir: string, baseCommit: string): Promise<WorkingCopyChanges> {
  // Refresh the index's stat data first, so files touched but unchanged are not reported.
  await runGit(workdir, ['update-index', '-q', '--refresh']).catch(() => undefined);
  const [tracked, untracked] = await Promise.all([
    runGit(workdir, ['diff', '--name-status', '--no-renames', '-z', baseCommit, '--']),
    runGit(workdir, ['ls-files', '--others', '-z']),
  ]);
  const written = new Set<string>();
  const deleted = new Set<string>();
  const fields = tracked.split('\0').filter((field) => field !== '');
  for (let index = 0; index + 1 < fields.length; index += 2) {
    const status = fields[index] as string;
    const file = fields[index + 1] as string;
    if (status.startsWith('D')) deleted.add(file);
    else written.add(file);
  }
  for (const file of untracked.split('\0')) if (file !== '') written.add(file);
  for (const file of written) deleted.delete(file);
  return { written: [...written].sort(), deleted: [...deleted].sort() };
}

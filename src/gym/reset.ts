import { runGit } from './git-command.js';

/** Restore a working copy to `commit`: tracked files restored, untracked files removed, ignored artefacts kept. */
export async function resetWorkingCopy(workdir: string, commit: string): Promise<void> {
  await runGit(['reset', '--hard', '-q', commit], workdir);
  // No -x: ignored install artefacts (node_modules, target/, virtualenvs) survive.
  await runGit(['clean', '-fdq'], workdir);
}

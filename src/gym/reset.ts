import { runGit } from '../core/git.js';

/** Restore a working copy to `commit`: tracked files restored, untracked files removed, ignored artefacts kept. */
export async function resetWorkingCopy(workdir: string, commit: string): Promise<void> {
  // checkout -f restores tracked files and moves HEAD like reset --hard, but skips reset's index refresh: about half the cost.
  await runGit(workdir, ['checkout', '-f', '-q', '--detach', commit]);
  // No -x: ignored install artefacts (node_modules, target/, virtualenvs) survive.
  await runGit(workdir, ['clean', '-fdq']);
}

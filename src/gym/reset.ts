import { runGit } from '../core/git.js';
import { resetSubmodules } from './submodules.js';

/** A gitignore pattern that matches exactly one top-level path (`node_modules/` → `/node_modules/`). */
function exactPattern(entry: string): string {
  return `/${entry.replace(/^\/+/, '').replace(/[\\*?[\]!#]/g, (character) => `\\${character}`)}`;
}

/**
 * Restore a working copy to `commit`: tracked files restored; every untracked or ignored file removed except
 * the install artefacts recorded at preparation (`preserved`, e.g. node_modules/, target/, .venv/). Without a
 * preserved list, ignored files are kept (the behaviour before preparation recorded one).
 */
export async function resetWorkingCopy(workdir: string, commit: string, preserved?: readonly string[]): Promise<void> {
  // checkout -f restores tracked files and moves HEAD like reset --hard, but skips reset's index refresh: about half the cost.
  await runGit(workdir, ['checkout', '-f', '-q', '--detach', commit]);
  if (preserved === undefined) {
    await runGit(workdir, ['clean', '-ffdq']);
    return;
  }
  // -x: the repository's ignore rules (which a patch could change) do not decide what survives; only `preserved` does.
  await runGit(workdir, ['clean', '-ffdxq', ...preserved.flatMap((entry) => ['-e', exactPattern(entry)])]);
}

/** Reset a working copy of `gym` to `commit` (default the gym commit), keeping exactly its recorded install artefacts. */
export async function resetGymWorkingCopy(gym: { commit: string; preserved?: readonly string[] }, workdir: string, commit = gym.commit): Promise<void> {
  await resetWorkingCopy(workdir, commit, gym.preserved);
  // Submodules are repositories of their own: the superproject's checkout and clean leave edits inside them.
  await resetSubmodules(workdir);
}

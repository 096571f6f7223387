import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deterministicGitEnvironment, runGit } from '../core/git.js';
import type { Task } from '../core/records.js';

/** Tag under which a task's materialized (buggy) commit is kept in a bundle. */
export function taskTag(instanceId: string): string {
  return `swe-mirror/${instanceId}`;
}

/**
 * Write a git bundle for one gym holding, per task, one commit (gym commit + mirror.patch) tagged
 * with the task id. Commits use fixed identities and the task's creation date, so ids are stable.
 * Returns instance id → materialized commit id (the exported `base_commit`).
 */
export async function materializeGymBundle(input: {
  gymRepository: string;
  gymCommit: string;
  tasks: readonly Task[];
  bundlePath: string;
}): Promise<Map<string, string>> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'swe-mirror-materialize-'));
  const commits = new Map<string, string>();
  try {
    await runGit(scratch, ['init', '-q']);
    await runGit(scratch, ['fetch', '-q', '--no-tags', input.gymRepository, input.gymCommit]);
    await runGit(scratch, ['update-ref', 'refs/heads/gym', input.gymCommit]);
    for (const task of input.tasks) {
      await runGit(scratch, ['checkout', '-q', '-f', '--detach', input.gymCommit]);
      await runGit(scratch, ['clean', '-fdq']);
      await runGit(scratch, ['apply', '--whitespace=nowarn', '-'], { input: task.mirrorPatch });
      await runGit(scratch, ['add', '-A']);
      await runGit(scratch, ['commit', '-q', '--no-verify', '-m', `swe-mirror task ${task.instanceId}`], {
        env: deterministicGitEnvironment(task.createdAt),
      });
      const commit = (await runGit(scratch, ['rev-parse', 'HEAD'])).trim();
      await runGit(scratch, ['tag', '-f', taskTag(task.instanceId), commit]);
      commits.set(task.instanceId, commit);
    }
    // HEAD on the gym branch: a clone of the bundle checks out the clean gym commit, not the last task's bug.
    await runGit(scratch, ['symbolic-ref', 'HEAD', 'refs/heads/gym']);
    await runGit(scratch, ['bundle', 'create', '-q', path.resolve(input.bundlePath), '--all']);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return commits;
}

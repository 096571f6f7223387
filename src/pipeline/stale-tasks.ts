import type { Runtime } from '../core/process.js';
import type { Task } from '../core/records.js';
import type { PreparedGym } from '../gym/types.js';
import type { Store } from '../store/store.js';
import type { StaleTask } from '../dataset/verified-commit.js';

export { findStaleTasks, staleTasksError, type StaleTask } from '../dataset/verified-commit.js';
import { verifyTask, type VerifyTaskOptions } from '../verify/verify-task.js';

/**
 * What export does with tasks verified on another commit of their gym than the prepared one (its spec
 * changed since): `refuse` (the default of `swe-mirror export`), `leave-out` (export the others and report
 * these: what a run does, so it still finishes), or re-verify them on the new commit (`export --reverify`).
 */
export type StaleTaskPolicy = 'refuse' | 'leave-out' | { reverify: { runtime: Runtime; verify?: Pick<VerifyTaskOptions, 'repeats' | 'reruns' | 'strict' | 'unsafeNoSandbox'> } };

export interface ReverifyResult {
  /** Re-verified on the prepared commit and updated in the store. */
  kept: Task[];
  /** No longer valid on the prepared commit: left in the store as they were, not exported. */
  dropped: Array<{ instanceId: string; reasons: string[] }>;
}

/**
 * Verify stale tasks again on their gym's prepared commit, one at a time. A task that still passes is
 * stored with the new commit and the new verdict's test lists (its `reverifiedFrom` keeps the old commit);
 * one that does not stays in the store unchanged and is reported, never exported on a commit it was not verified on.
 */
export async function reverifyStaleTasks(input: {
  store: Store;
  tasks: readonly Task[];
  gyms: ReadonlyMap<string, PreparedGym>;
  runtime: Runtime;
  verify?: Pick<VerifyTaskOptions, 'repeats' | 'reruns' | 'strict' | 'unsafeNoSandbox'>;
}): Promise<ReverifyResult> {
  const result: ReverifyResult = { kept: [], dropped: [] };
  for (const task of input.tasks) {
    const gym = input.gyms.get(task.gym) as PreparedGym;
    const verdict = await verifyTask(gym, { mirror: task.mirrorPatch, test: task.testPatch, fix: task.fixPatch }, { runtime: input.runtime, ...(input.verify ?? {}) });
    if (!verdict.valid) {
      result.dropped.push({ instanceId: task.instanceId, reasons: verdict.reasons.map((reason) => `${reason.rule}: ${reason.message}`) });
      continue;
    }
    const updated: Task = {
      ...task,
      baseCommit: gym.commit,
      FAIL_TO_PASS: verdict.FAIL_TO_PASS,
      PASS_TO_PASS: verdict.PASS_TO_PASS,
      tests: verdict.tests,
      sandbox: verdict.sandbox,
      reverifiedFrom: task.baseCommit,
    };
    input.store.updateTask(updated);
    result.kept.push(updated);
  }
  return result;
}

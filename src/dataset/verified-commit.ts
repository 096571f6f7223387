import { SweMirrorError } from '../core/errors.js';
import type { Task } from '../core/records.js';
import type { PreparedGym } from '../gym/types.js';

export interface StaleTask {
  instanceId: string;
  gym: string;
  /** The commit the task was verified on. */
  verifiedOn: string;
  /** The gym's prepared commit now. */
  gymCommit: string;
}

/** Tasks whose `baseCommit` is not their gym's prepared commit. Pure. */
export function findStaleTasks(tasks: readonly Task[], gyms: ReadonlyMap<string, Pick<PreparedGym, 'commit'>>): StaleTask[] {
  return tasks.flatMap((task) => {
    const gym = gyms.get(task.gym);
    if (!gym || gym.commit === task.baseCommit) return [];
    return [{ instanceId: task.instanceId, gym: task.gym, verifiedOn: task.baseCommit, gymCommit: gym.commit }];
  });
}

/** The refusal: which tasks, on which commits, and the two ways out. */
export function staleTasksError(stale: readonly StaleTask[]): SweMirrorError {
  const byGym = new Map<string, StaleTask[]>();
  for (const task of stale) byGym.set(task.gym, [...(byGym.get(task.gym) ?? []), task]);
  const lines = [...byGym].map(([gym, tasks]) => {
    const commits = [...new Set(tasks.map((task) => task.verifiedOn.slice(0, 12)))].join(', ');
    const names = tasks.slice(0, 5).map((task) => task.instanceId).join(', ');
    return `  ${gym}: ${tasks.length} task(s) verified on ${commits}, the gym is now prepared at ${tasks[0]?.gymCommit.slice(0, 12)} (${names}${tasks.length > 5 ? ', ...' : ''})`;
  });
  return new SweMirrorError({
    code: 'EXPORT_TASKS_STALE',
    kind: 'user',
    message: `${stale.length} task(s) were verified on another commit of their gym than the one prepared now (the gym spec or its source changed since), and export writes a task only on the commit it was verified on:\n${lines.join('\n')}`,
    hint: 'Pass --reverify to verify them again on the prepared commit (those that still pass are exported, on the new commit), or restore the gym spec they were verified with and run `swe-mirror gym prepare` again.',
  });
}

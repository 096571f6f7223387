/** The paper's Table 7 scale of how faithful a task is to its source issue, best first (the viewer's audit marks use the same words). */
export const CONSISTENCY_LEVELS = ['high', 'moderate', 'inconsistent'] as const;
export type ConsistencyLevel = (typeof CONSISTENCY_LEVELS)[number];

/** Whether a grade is at least as consistent as a minimum. */
export function meetsConsistency(level: ConsistencyLevel, minimum: ConsistencyLevel): boolean {
  return CONSISTENCY_LEVELS.indexOf(level) <= CONSISTENCY_LEVELS.indexOf(minimum);
}

/** Tasks that meet a minimum grade (all when there is no minimum); an ungraded or unreadable task does not meet one. */
export function keepConsistentTasks<T extends { consistency?: { level: string } }>(tasks: readonly T[], minimum: ConsistencyLevel | undefined): T[] {
  if (minimum === undefined) return [...tasks];
  return tasks.filter((task) => {
    const level = task.consistency?.level;
    return level !== undefined && (CONSISTENCY_LEVELS as readonly string[]).includes(level) && meetsConsistency(level as ConsistencyLevel, minimum);
  });
}

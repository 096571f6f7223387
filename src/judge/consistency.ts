/** The paper's Table 7 scale of how faithful a task is to its source issue, best first (the viewer's audit marks use the same words). */
export const CONSISTENCY_LEVELS = ['high', 'moderate', 'inconsistent'] as const;
export type ConsistencyLevel = (typeof CONSISTENCY_LEVELS)[number];

/** Whether a grade is at least as consistent as a minimum. */
export function meetsConsistency(level: ConsistencyLevel, minimum: ConsistencyLevel): boolean {
  return CONSISTENCY_LEVELS.indexOf(level) <= CONSISTENCY_LEVELS.indexOf(minimum);
}

import type { Task } from '../core/records.js';
import { hashFixContent } from './fix-content.js';

export interface DuplicateMark {
  instanceId: string;
  duplicateOf: string;
  /** `same-fail-to-pass` or `same-fix`. */
  reason: 'same-fail-to-pass' | 'same-fix';
}

/**
 * Plan dedup per gym: a task is a duplicate of the first task before it (in the given order: the
 * store gives collection order, so the outcome does not depend on which mirror finished first) of the
 * same gym with the identical FAIL_TO_PASS set, or else with identical normalized fix content. Pure.
 */
export function planDuplicates(ordered: readonly Task[]): DuplicateMark[] {
  const firstByFailToPass = new Map<string, string>();
  const firstByFix = new Map<string, string>();
  const marks: DuplicateMark[] = [];
  for (const task of ordered) {
    const failToPassKey = `${task.gym}\u0000${JSON.stringify([...task.FAIL_TO_PASS].sort())}`;
    const fixKey = `${task.gym}\u0000${hashFixContent(task.fixPatch)}`;
    const sameFailToPass = firstByFailToPass.get(failToPassKey);
    const sameFix = firstByFix.get(fixKey);
    if (sameFailToPass !== undefined) {
      marks.push({ instanceId: task.instanceId, duplicateOf: sameFailToPass, reason: 'same-fail-to-pass' });
      continue;
    }
    if (sameFix !== undefined) {
      marks.push({ instanceId: task.instanceId, duplicateOf: sameFix, reason: 'same-fix' });
      continue;
    }
    firstByFailToPass.set(failToPassKey, task.instanceId);
    firstByFix.set(fixKey, task.instanceId);
  }
  return marks;
}

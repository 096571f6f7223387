import type { PerTestStatus } from '../core/records.js';

/**
 * Parent tests (Go's `TestX` beside `TestX/case`) whose change from run to test is only that they gained new
 * subtests: PASSED in run, FAILED in test because at least one new subtest fails, every subtest the run state
 * already had unchanged. Such a parent is not a tests-only-add violation; since it passes in fix only if all
 * its subtests do, its FAIL_TO_PASS membership then follows its new subtests.
 */
export function findParentsThatGainedSubtests(ids: string[], transition: (id: string) => PerTestStatus, separator: string): Set<string> {
  const exempt = new Set<string>();
  const sortedIds = [...ids].sort();
  for (const parent of sortedIds) {
    const { run, test } = transition(parent);
    if (run !== 'PASSED' || test !== 'FAILED') continue;
    const descendants = sortedIds.filter((id) => id.startsWith(`${parent}${separator}`));
    const added = descendants.filter((id) => transition(id).run === 'NONE' && transition(id).test !== 'NONE');
    const existing = descendants.filter((id) => transition(id).run !== 'NONE');
    const isExplainedByNewSubtests = added.some((id) => transition(id).test === 'FAILED');
    const areExistingUnchanged = existing.every((id) => transition(id).run === transition(id).test);
    if (isExplainedByNewSubtests && areExistingUnchanged) exempt.add(parent);
  }
  return exempt;
}

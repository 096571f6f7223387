import type { PerTestStatus, TestState, Verdict, VerdictReason } from '../core/records.js';
import type { TestStatus, TestStatusMap } from '../core/tests.js';
import { findParentsThatGainedSubtests } from './parent-tests.js';
import { alignStateRuns } from './positional-ids.js';

/** What the judge needs from one suite run. */
export interface StateRunResult {
  tests: TestStatusMap;
  hasEvidence: boolean;
  timedOut?: boolean;
  outOfMemory?: boolean;
  processLimitReached?: boolean;
  /** The parser's warnings of a run without evidence. */
  warnings?: string[];
  /** A rerun of some test files only: a test absent from it was not run, not NONE. */
  isPartial?: boolean;
}

export interface JudgeInput {
  /** Every repeat of every state, in order; each state needs at least one. */
  runs: Record<TestState, StateRunResult[]>;
  /** Tests the gym's own baseline found flaky: excluded from the rules, reported. */
  quarantined: string[];
  /**
   * Tests seen flaky in earlier verifications of the gym: quarantined like the baseline's when the gym already had
   * them (present in run), flaky in this task when its test.patch adds them (a task's own tests must be stable).
   */
  knownFlaky?: string[];
  /** Separator of subtest ids (`/` for Go's `TestX/case`): parents that only gained subtests are judged by them. */
  subtestSeparator?: string;
  /** Reject new tests that pass even with the bug (NONE→PASSED→PASSED), as the paper does. */
  strict?: boolean;
}

/** The verdict fields the rules decide; runs, runner and parser are added by the caller. */
export type Judgement = Pick<
  Verdict,
  'valid' | 'reasons' | 'FAIL_TO_PASS' | 'PASS_TO_PASS' | 'newButNotFailing' | 'flakyTests' | 'quarantinedTests' | 'tests' | 'rerunOnlyTests'
>;

const STATES: TestState[] = ['run', 'test', 'fix'];

/** Allowed run → test transitions (rule 1); NONE→PASSED is allowed unless strict. */
const ALLOWED_BY_TEST_PATCH = new Set(['PASSED→PASSED', 'FAILED→FAILED', 'SKIPPED→SKIPPED', 'NONE→FAILED', 'NONE→NONE']);

/** Apply DESIGN section 4's rules to the per-state runs of one task: pure, every failed rule named with its tests. */
export function judgeTask(input: JudgeInput): Judgement {
  for (const state of STATES) {
    if (input.runs[state].length === 0) throw new RangeError(`judgeTask needs at least one run of state "${state}"`);
  }
  // `name [2]` ids are numbered by order; align them so an inserted same-named test shifts nothing.
  const { statuses, rerunOnly } = collectStatuses(alignStateRuns<StateRunResult, TestState>(input.runs, 'test'));
  const tests: Record<string, PerTestStatus> = {};
  for (const [id, perState] of statuses) {
    tests[id] = { run: perState.run[0] ?? 'NONE', test: perState.test[0] ?? 'NONE', fix: perState.fix[0] ?? 'NONE' };
  }
  const isAddedByTask = (id: string): boolean => tests[id]?.run === 'NONE' && tests[id]?.test !== 'NONE';
  const knownFlaky = new Set(input.knownFlaky ?? []);
  const quarantined = new Set([...input.quarantined, ...[...knownFlaky].filter((id) => !isAddedByTask(id))]);
  const quarantinedTests = sorted([...statuses.keys()].filter((id) => quarantined.has(id)));
  const considered = [...statuses.keys()].filter((id) => !quarantined.has(id));
  const flakyTests = sorted(considered.filter((id) => isFlaky(statuses.get(id) as PerStateStatuses) || (knownFlaky.has(id) && isAddedByTask(id))));
  const flaky = new Set(flakyTests);
  const stable = considered.filter((id) => !flaky.has(id));
  const base = { tests, quarantinedTests, flakyTests, ...(rerunOnly.length > 0 ? { rerunOnlyTests: rerunOnly } : {}) };

  const infrastructure = judgeInfrastructure(input.runs);
  if (infrastructure.length > 0) {
    return { ...base, valid: false, reasons: infrastructure, FAIL_TO_PASS: [], PASS_TO_PASS: [], newButNotFailing: [] };
  }

  const transition = (id: string): PerTestStatus => tests[id] as PerTestStatus;
  const FAIL_TO_PASS = sorted(stable.filter((id) => transition(id).test === 'FAILED' && transition(id).fix === 'PASSED'));
  const PASS_TO_PASS = sorted(stable.filter((id) => transition(id).test === 'PASSED' && transition(id).fix === 'PASSED'));
  const newButNotFailing = PASS_TO_PASS.filter((id) => transition(id).run === 'NONE');
  const addedTests = sorted(stable.filter((id) => transition(id).run === 'NONE' && transition(id).test !== 'NONE'));

  const reasons: VerdictReason[] = [];
  const gainedSubtests = input.subtestSeparator ? findParentsThatGainedSubtests(stable, transition, input.subtestSeparator) : new Set<string>();
  const testsOnlyAdd = judgeTestsOnlyAdd(stable.filter((id) => !gainedSubtests.has(id)), transition, input.strict ?? false);
  if (testsOnlyAdd) reasons.push(testsOnlyAdd);
  if (FAIL_TO_PASS.length === 0) {
    reasons.push({
      rule: 'fix-fixes',
      message:
        addedTests.length === 0
          ? 'No test goes FAILED (test) → PASSED (fix), and test.patch adds no test that runs.'
          : `No test goes FAILED (test) → PASSED (fix): the ${addedTests.length} test(s) test.patch adds do not catch the bug.`,
      tests: addedTests,
    });
  }
  const regressions = judgeNoRegressions(stable, transition);
  if (regressions) reasons.push(regressions);
  const flakiness = judgeNoFlakiness(flakyTests, statuses, knownFlaky);
  if (flakiness) reasons.push(flakiness);
  return { ...base, valid: reasons.length === 0, reasons, FAIL_TO_PASS, PASS_TO_PASS, newButNotFailing };
}

type PerStateStatuses = Record<TestState, TestStatus[]>;

/**
 * Every test seen in a full run, with its status in each repeat of each state (NONE where absent). A name that only
 * targeted reruns report (their command names tests another way) says nothing about any full run's test: it is set
 * aside as `rerunOnly`, never read as a test that appeared and vanished (that would mark it flaky).
 */
function collectStatuses(runs: Record<TestState, StateRunResult[]>): { statuses: Map<string, PerStateStatuses>; rerunOnly: string[] } {
  const ids = new Set<string>();
  const partialIds = new Set<string>();
  for (const state of STATES) {
    for (const run of runs[state]) for (const id of Object.keys(run.tests)) (run.isPartial ? partialIds : ids).add(id);
  }
  const rerunOnly = [...partialIds].filter((id) => !ids.has(id)).sort();
  const statuses = new Map<string, PerStateStatuses>();
  for (const id of [...ids].sort()) {
    const perState = {} as PerStateStatuses;
    for (const state of STATES) {
      perState[state] = runs[state].flatMap((run) => (run.isPartial && run.tests[id] === undefined ? [] : [run.tests[id] ?? 'NONE']));
    }
    statuses.set(id, perState);
  }
  return { statuses, rerunOnly };
}

function isFlaky(perState: PerStateStatuses): boolean {
  return STATES.some((state) => new Set(perState[state]).size > 1);
}

/** A run that proves nothing (no evidence, killed by the time or memory limit) makes the task undecidable. */
function judgeInfrastructure(runs: Record<TestState, StateRunResult[]>): VerdictReason[] {
  const reasons: VerdictReason[] = [];
  for (const state of STATES) {
    const total = runs[state].length;
    const repeatsWhere = (predicate: (run: StateRunResult) => boolean): number[] =>
      runs[state].flatMap((run, index) => (predicate(run) ? [index + 1] : []));
    const describe = (repeats: number[]): string => `repeat${repeats.length > 1 ? 's' : ''} ${repeats.join(', ')} of ${total}`;
    const timedOut = repeatsWhere((run) => run.timedOut === true);
    const processLimit = repeatsWhere((run) => run.processLimitReached === true);
    const outOfMemory = repeatsWhere((run) => run.outOfMemory === true && run.processLimitReached !== true);
    const noEvidence = repeatsWhere((run) => !run.hasEvidence && run.timedOut !== true && run.outOfMemory !== true && run.processLimitReached !== true);
    const noEvidenceWarnings = [...new Set(runs[state].flatMap((run) => (!run.hasEvidence ? (run.warnings ?? []) : [])))];
    if (processLimit.length > 0) {
      reasons.push({ rule: 'infrastructure', message: `State ${state}: the suite reached its process limit (a fork bomb, or a gym that needs a higher processLimit) and was stopped (${describe(processLimit)}).`, tests: [] });
    }
    if (timedOut.length > 0) {
      reasons.push({ rule: 'infrastructure', message: `State ${state}: the suite hit its time limit and was killed (${describe(timedOut)}).`, tests: [] });
    }
    if (outOfMemory.length > 0) {
      reasons.push({ rule: 'infrastructure', message: `State ${state}: the suite ran out of memory and was killed (${describe(outOfMemory)}).`, tests: [] });
    }
    if (noEvidence.length > 0) {
      reasons.push({
        rule: 'infrastructure',
        message: `State ${state}: no evidence that the suite ran (${describe(noEvidence)}); the test command or its report failed before any test result${noEvidenceWarnings.length > 0 ? `: ${noEvidenceWarnings.join('; ')}` : '.'}`,
        tests: [],
      });
    }
  }
  return reasons;
}

/** Rule 1: run → test may only add tests (PASSED→PASSED, FAILED→FAILED, SKIPPED→SKIPPED, NONE→FAILED; NONE→PASSED unless strict). */
function judgeTestsOnlyAdd(ids: string[], transition: (id: string) => PerTestStatus, strict: boolean): VerdictReason | undefined {
  const byTransition = new Map<string, string[]>();
  for (const id of ids) {
    const { run, test } = transition(id);
    const key = `${run}→${test}`;
    if (ALLOWED_BY_TEST_PATCH.has(key) || (key === 'NONE→PASSED' && !strict)) continue;
    byTransition.set(key, [...(byTransition.get(key) ?? []), id]);
  }
  if (byTransition.size === 0) return undefined;
  const newPassing = byTransition.get('NONE→PASSED');
  byTransition.delete('NONE→PASSED');
  const parts: string[] = [];
  if (byTransition.size > 0) parts.push(`test.patch changed what tests do (run → test): ${summarize(byTransition)}`);
  if (newPassing) parts.push(`new tests pass even with the bug (NONE→PASSED, refused in strict mode): ${newPassing.length}`);
  const involved = [...byTransition.values(), newPassing ?? []].flat();
  return { rule: 'tests-only-add', message: `${parts.join('; ')}.`, tests: sorted(involved) };
}

/** Rule 3: no PASSED→PASSED→FAILED, no SKIPPED→SKIPPED→FAILED, nothing PASSED in test that is FAILED or NONE in fix. */
function judgeNoRegressions(ids: string[], transition: (id: string) => PerTestStatus): VerdictReason | undefined {
  const byTransition = new Map<string, string[]>();
  for (const id of ids) {
    const { run, test, fix } = transition(id);
    const isRegression = (test === 'PASSED' && (fix === 'FAILED' || fix === 'NONE')) || (run === 'SKIPPED' && test === 'SKIPPED' && fix === 'FAILED');
    if (!isRegression) continue;
    const key = `${run}→${test}→${fix}`;
    byTransition.set(key, [...(byTransition.get(key) ?? []), id]);
  }
  if (byTransition.size === 0) return undefined;
  return {
    rule: 'no-regressions',
    message: `The fix breaks tests that passed (or were skipped) before it (run → test → fix): ${summarize(byTransition)}.`,
    tests: sorted([...byTransition.values()].flat()),
  };
}

/** Rule 4: a flaky test that would be in FAIL_TO_PASS or PASS_TO_PASS (some repeat of test PASSED or FAILED, some repeat of fix PASSED). */
function judgeNoFlakiness(flakyTests: string[], statuses: Map<string, PerStateStatuses>, knownFlaky: Set<string>): VerdictReason | undefined {
  const involved = flakyTests.filter((id) => {
    const perState = statuses.get(id) as PerStateStatuses;
    return perState.test.some((status) => status === 'PASSED' || status === 'FAILED') && perState.fix.includes('PASSED');
  });
  if (involved.length === 0) return undefined;
  const shown = involved.slice(0, 3).map((id) => {
    const perState = statuses.get(id) as PerStateStatuses;
    const earlier = knownFlaky.has(id) ? '; seen flaky in an earlier verification of this gym' : '';
    return `${id} (${STATES.map((state) => `${state}: ${perState[state].join(',')}`).join('; ')}${earlier})`;
  });
  const more = involved.length > shown.length ? ` and ${involved.length - shown.length} more` : '';
  return {
    rule: 'no-flakiness',
    message: `${involved.length} test(s) in FAIL_TO_PASS or PASS_TO_PASS changed status between repeats: ${shown.join(', ')}${more}.`,
    tests: involved,
  };
}

/** "PASSED→FAILED (2), PASSED→NONE (1)", most frequent first. */
function summarize(byTransition: Map<string, string[]>): string {
  return [...byTransition.entries()]
    .sort((left, right) => right[1].length - left[1].length || left[0].localeCompare(right[0]))
    .map(([key, ids]) => `${key} (${ids.length})`)
    .join(', ');
}

function sorted(ids: string[]): string[] {
  return [...ids].sort();
}

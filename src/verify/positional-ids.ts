import type { TestStatusMap } from '../core/tests.js';

/** `name [2]` → `name`; ids without a positional suffix are their own base. */
const POSITIONAL = /^(.*) \[(\d+)\]$/;

interface Occurrence {
  id: string;
  status: string;
  /** The base of the test reported just before this one: where in the file/block it sits. */
  previous: string;
}

function baseOf(id: string): string {
  return POSITIONAL.exec(id)?.[1] ?? id;
}

/** Occurrences of every base name that repeats, in order of appearance. */
function groupOccurrences(tests: TestStatusMap): Map<string, Occurrence[]> {
  const groups = new Map<string, Occurrence[]>();
  let previous = '';
  for (const [id, status] of Object.entries(tests)) {
    const base = baseOf(id);
    groups.set(base, [...(groups.get(base) ?? []), { id, status, previous }]);
    previous = base;
  }
  for (const [base, occurrences] of groups) if (occurrences.length < 2 && !POSITIONAL.test(occurrences[0]?.id ?? '')) groups.delete(base);
  return groups;
}

/** How well two occurrences of one name correspond: same neighbour first, same status second. */
function matchScore(left: Occurrence, right: Occurrence): number {
  return 1 + (left.previous === right.previous ? 4 : 0) + (left.status === right.status ? 2 : 0);
}

/** An order-preserving alignment of `other` onto `reference` (dynamic programming, best total score). */
function align(reference: Occurrence[], other: Occurrence[]): Map<number, number> {
  const rows = other.length + 1;
  const columns = reference.length + 1;
  const score: number[] = new Array<number>(rows * columns).fill(0);
  const at = (row: number, column: number): number => score[row * columns + column] ?? 0;
  for (let row = 1; row < rows; row += 1) {
    for (let column = 1; column < columns; column += 1) {
      const diagonal = at(row - 1, column - 1) + matchScore(other[row - 1] as Occurrence, reference[column - 1] as Occurrence);
      score[row * columns + column] = Math.max(diagonal, at(row - 1, column), at(row, column - 1));
    }
  }
  const pairs = new Map<number, number>();
  let row = other.length;
  let column = reference.length;
  while (row > 0 && column > 0) {
    const diagonal = at(row - 1, column - 1) + matchScore(other[row - 1] as Occurrence, reference[column - 1] as Occurrence);
    if (at(row, column) === diagonal) {
      pairs.set(row - 1, column - 1);
      row -= 1;
      column -= 1;
    } else if (at(row, column) === at(row - 1, column)) row -= 1;
    else column -= 1;
  }
  return pairs;
}

/**
 * Renames the positional ids (`name [2]`) of one run so that each test carries the id its
 * counterpart has in the reference run. Parsers number repeated names by order of appearance,
 * so one same-named test inserted early (test.patch adding a failing `should be deeply
 * equivalent` above three others) would shift every later number and turn PASSED tests into
 * violations. Occurrences are aligned in order, preferring the same preceding test, then the
 * same status; an occurrence with no counterpart gets a number above every reference number.
 */
export function alignPositionalIds(reference: TestStatusMap, run: TestStatusMap): TestStatusMap {
  const referenceGroups = groupOccurrences(reference);
  const runGroups = groupOccurrences(run);
  const renamed = new Map<string, string>();
  for (const [base, occurrences] of runGroups) {
    const referenceOccurrences = referenceGroups.get(base) ?? [];
    const pairs = align(referenceOccurrences, occurrences);
    let next = Math.max(occurrences.length, referenceOccurrences.length) + 1;
    occurrences.forEach((occurrence, index) => {
      const counterpart = pairs.get(index);
      const id = counterpart === undefined ? `${base} [${next++}]` : (referenceOccurrences[counterpart] as Occurrence).id;
      renamed.set(occurrence.id, id);
    });
  }
  if (renamed.size === 0) return run;
  const aligned: TestStatusMap = {};
  for (const [id, status] of Object.entries(run)) aligned[renamed.get(id) ?? id] = status;
  return aligned;
}

/** Aligns every run of every state onto the first run of the test state (the state test.patch defines). */
export function alignStateRuns<Run extends { tests: TestStatusMap }, States extends string>(runs: Record<States, Run[]>, referenceState: States): Record<States, Run[]> {
  const reference = runs[referenceState][0]?.tests;
  if (reference === undefined) return runs;
  const aligned = {} as Record<States, Run[]>;
  for (const state of Object.keys(runs) as States[]) {
    aligned[state] = runs[state].map((run) => ({ ...run, tests: alignPositionalIds(reference, run.tests) }));
  }
  return aligned;
}

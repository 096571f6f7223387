import type { TestStatusMap } from '../core/tests.js';

/**
 * FAIL_TO_PASS candidates from one full run of test and one of fix: the tests whose flakiness would make a task
 * wrongly valid, so the ones the targeted reruns must cover.
 */
export function findFailToPassCandidates(test: TestStatusMap, fix: TestStatusMap): string[] {
  return Object.keys(test)
    .filter((id) => test[id] === 'FAILED' && fix[id] === 'PASSED')
    .sort();
}

/** Leading path of a test id (`tests/a.py::t`, `test/a.test.js > d > t`, `a.js::t`), when the reporter names the file. */
export function leadingPathOfTestId(id: string): string | undefined {
  const match = /^([^\s:>]+?\.[A-Za-z0-9]+)(?:::| > | )/.exec(id);
  return match?.[1];
}

/**
 * The test files the deciding tests live in: every file test.patch touches, plus the files of FAIL_TO_PASS
 * candidates whose id names one (a state's run keeps those it has).
 */
export function planDecidingFiles(testPatchFiles: string[], candidates: string[]): string[] {
  const files = new Set(testPatchFiles);
  for (const id of candidates) {
    const file = leadingPathOfTestId(id);
    if (file !== undefined) files.add(file);
  }
  return [...files].filter((file) => !file.split('/').includes('..')).sort();
}

/** Candidates a targeted rerun did not report: that rerun cannot vouch for them, so the state is rerun in full. */
export function findUncovered(candidates: string[], rerun: TestStatusMap): string[] {
  return candidates.filter((id) => rerun[id] === undefined);
}

/**
 * Tests that fail in the run state but not at the gym's baseline: the pre-existing tests the mirror broke, so the
 * pre-existing FAIL_TO_PASS candidates (by rule 1 a valid task fails them in test too), known before test and fix run.
 */
export function findFailingInRun(run: TestStatusMap, baseline: TestStatusMap): string[] {
  return Object.keys(run)
    .filter((id) => run[id] === 'FAILED' && baseline[id] !== 'FAILED')
    .sort();
}

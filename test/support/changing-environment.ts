import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runSuite } from '../../src/gym/run-suite.js';
import type { SuiteRunner } from '../../src/verify/verify-task.js';

/**
 * A suite runner for tests of flakiness detection. Runs are isolated: nothing a run writes survives it, so a
 * test cannot carry state from one run to the next. Real flakiness comes from outside the run (the clock, load,
 * a shared service); this runner stands in for that: before each run it writes, from the host, the number of
 * runs so far into `file` in the working copy. A fixture's flaky test reads it and fails on every other run.
 */
export function suiteRunnerWithRunCounter(file = '.flaky-counter'): SuiteRunner {
  let runs = 0;
  // One file in the working copy carries one count: runs verify starts side by side (parallelRuns 2) are taken one
  // after another, in the order verify started them, so each sees its own count.
  let previous: Promise<unknown> = Promise.resolve();
  return (gym, options) => {
    const run = previous.then(() => {
      writeFileSync(path.join(options.workdir, file), String(runs));
      runs += 1;
      return runSuite(gym, options);
    });
    previous = run.catch(() => undefined);
    return run;
  };
}

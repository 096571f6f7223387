import { writeSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

/** Prints the plain `N passed, N failed, N skipped` line that CI reads, as the very last line. */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const testModule of testModules) {
      const tests = [...testModule.children.allTests()];
      // A file that fails to load has no tests; count it as one failure so it is not silently lost.
      if (tests.length === 0 && testModule.state() === 'failed') failed += 1;
      for (const testCase of tests) {
        const state = testCase.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failed += 1;
        else skipped += 1;
      }
    }
    const line = `${passed} passed, ${failed} failed, ${skipped} skipped\n`;
    // The default reporter prints its summary after us; print ours when the process ends.
    process.once('exit', () => writeSync(1, `\n${line}`));
  }
}

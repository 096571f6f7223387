/**
 * SLOW integration test: runs `verifyTask` (each state once in full, then targeted reruns) on every task of every
 * fixture gym found on disk under test/fixtures/gyms/<gym>/tasks/<task>/ and asserts the exact verdict
 * from its expected.json: valid, the set of failed rules, the exact FAIL_TO_PASS.
 *
 * Gyms are discovered, not listed, so gyms still being written are picked up when they land; a gym whose
 * toolchain is missing on this machine is skipped with a note. Set SWE_MIRROR_SKIP_SLOW=1 to skip it all,
 * or SWE_MIRROR_FIXTURE_GYMS=js-jest,python-pytest to run some gyms only. Prepared gyms are cached under
 * $TMPDIR/swe-mirror-fixture-gyms (keyed by content), so reruns skip installs and baselines.
 */
import { suiteRunnerWithRunCounter } from '../support/changing-environment.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hasCommand } from '../support/commands.js';
import { describe, expect, it } from 'vitest';
import { loadGymSpec } from '../../src/config/load-gym-spec.js';
import { prepareGym } from '../../src/gym/prepare.js';
import type { PreparedGym } from '../../src/gym/types.js';
import { createLocalRuntime } from '../../src/runtime/local.js';
import { verifyTask } from '../../src/verify/verify-task.js';

interface ExpectedVerdict {
  valid: boolean;
  rules: string[];
  FAIL_TO_PASS: string[];
}

const GYMS_DIRECTORY = path.resolve(import.meta.dirname, '..', 'fixtures', 'gyms');
const DATA_DIRECTORY = path.join(os.tmpdir(), 'swe-mirror-fixture-gyms');
const TOOLCHAIN: Record<string, string> = { python: 'python3', javascript: 'node', typescript: 'node', go: 'go', rust: 'cargo' };
const onlyGyms = process.env.SWE_MIRROR_FIXTURE_GYMS?.split(',').filter(Boolean);


/** Gyms with a gym.yaml and at least one complete task (expected.json, mirror.patch, test.patch). */
function discoverFixtureGyms(): Array<{ name: string; specPath: string; tasks: string[] }> {
  if (!existsSync(GYMS_DIRECTORY)) return [];
  return readdirSync(GYMS_DIRECTORY, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(GYMS_DIRECTORY, entry.name, 'gym.yaml')))
    .filter((entry) => !onlyGyms || onlyGyms.includes(entry.name))
    .map((entry) => {
      const tasksDirectory = path.join(GYMS_DIRECTORY, entry.name, 'tasks');
      const tasks = existsSync(tasksDirectory)
        ? readdirSync(tasksDirectory)
            .map((task) => path.join(tasksDirectory, task))
            .filter((task) => ['expected.json', 'mirror.patch', 'test.patch'].every((file) => existsSync(path.join(task, file))))
            .sort()
        : [];
      return { name: entry.name, specPath: path.join(GYMS_DIRECTORY, entry.name, 'gym.yaml'), tasks };
    })
    .filter((gym) => gym.tasks.length > 0);
}

const gyms = process.env.SWE_MIRROR_SKIP_SLOW ? [] : discoverFixtureGyms();
const runtime = createLocalRuntime();

describe.skipIf(gyms.length === 0)('verify on every fixture gym task (slow)', () => {
  for (const fixture of gyms) {
    describe(fixture.name, () => {
      let prepared: Promise<PreparedGym | undefined> | undefined;
      /** Prepare once per gym, on first use; undefined when its toolchain is missing here. */
      const prepare = (): Promise<PreparedGym | undefined> => {
        prepared ??= (async () => {
          const loaded = await loadGymSpec(fixture.specPath);
          const tool = TOOLCHAIN[loaded.spec.language];
          if (tool && !hasCommand(tool)) {
            console.warn(`skipping fixture gym ${fixture.name}: ${tool} is not on PATH`);
            return undefined;
          }
          return prepareGym(loaded, { dataDirectory: DATA_DIRECTORY, runtime });
        })();
        return prepared;
      };

      for (const taskDirectory of fixture.tasks) {
        it(path.basename(taskDirectory), { timeout: 20 * 60_000 }, async (context) => {
          const gym = await prepare();
          if (!gym) return context.skip();
          const expected = JSON.parse(readFileSync(path.join(taskDirectory, 'expected.json'), 'utf8')) as ExpectedVerdict;
          const read = (name: string): string | undefined =>
            existsSync(path.join(taskDirectory, name)) ? readFileSync(path.join(taskDirectory, name), 'utf8') : undefined;
          const fix = read('fix.patch');
          const isFlaky = path.basename(taskDirectory) === 'invalid-flaky';
          // Flaky tasks are verified under both schedules (reruns after the full runs, and beside them); others one at a time.
          for (const parallelRuns of isFlaky ? [1, 2] : [1]) {
            const verdict = await verifyTask(
              gym,
              { mirror: read('mirror.patch') as string, test: read('test.patch') as string, ...(fix === undefined ? {} : { fix }) },
              // Flaky fixtures read a run counter the host writes (see suiteRunnerWithRunCounter).
              { runtime, parallelRuns, ...(isFlaky ? { runSuite: suiteRunnerWithRunCounter() } : {}) },
            );
            const summary = {
              parallelRuns,
              valid: verdict.valid,
              rules: [...new Set(verdict.reasons.map((reason) => reason.rule))].sort(),
              FAIL_TO_PASS: [...verdict.FAIL_TO_PASS].sort(),
            };
            // The reasons ride along in the message so a mismatch explains itself.
            expect(summary, JSON.stringify(verdict.reasons, null, 2)).toEqual({
              parallelRuns,
              valid: expected.valid,
              rules: [...expected.rules].sort(),
              FAIL_TO_PASS: [...expected.FAIL_TO_PASS].sort(),
            });
          }
        });
      }
    });
  }
});

/**
 * Differential test: the python-pytest fixture gym prepared and verified through the local sandbox and through the
 * docker runtime (test/runtime/docker-fixtures/python-pytest.yaml: same source and commands, a container image).
 * Every fixture task must get the same verdict from both (valid, failed rules, FAIL_TO_PASS) and the one its
 * expected.json records. The JUnit variant checks the report file copied out of the container.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGymSpec } from '../../src/config/load-gym-spec.js';
import type { Verdict } from '../../src/core/records.js';
import { prepareGym } from '../../src/gym/prepare.js';
import { withWorkingCopy } from '../../src/gym/working-copies.js';
import { runPrecheck } from '../../src/mirror/precheck.js';
import type { PreparedGym } from '../../src/gym/types.js';
import { createDockerClient } from '../../src/runtime/docker/client.js';
import { createLocalRuntime } from '../../src/runtime/local.js';
import { verifyTask } from '../../src/verify/verify-task.js';
import { suiteRunnerWithRunCounter } from '../support/changing-environment.js';
import { ensureTestBaseImage, isDockerTestable, listContainersOf } from './docker-support.js';

const isTestable = await isDockerTestable();
const FIXTURE = path.resolve(import.meta.dirname, '..', 'fixtures', 'gyms', 'python-pytest');
const DOCKER_SPECS = path.resolve(import.meta.dirname, 'docker-fixtures');
const tasks = readdirSync(path.join(FIXTURE, 'tasks'))
  .filter((task) => existsSync(path.join(FIXTURE, 'tasks', task, 'expected.json')))
  .sort();
const runtime = createLocalRuntime();
let dataDirectory: string;
let local: PreparedGym;
let docker: PreparedGym;

interface Expected {
  valid: boolean;
  rules: string[];
  FAIL_TO_PASS: string[];
}

function summarize(verdict: Verdict): Expected {
  return { valid: verdict.valid, rules: [...new Set(verdict.reasons.map((reason) => reason.rule))].sort(), FAIL_TO_PASS: [...verdict.FAIL_TO_PASS].sort() };
}

function readPatches(task: string): { mirror: string; test: string; fix?: string } {
  const read = (name: string): string => readFileSync(path.join(FIXTURE, 'tasks', task, name), 'utf8');
  const hasFix = existsSync(path.join(FIXTURE, 'tasks', task, 'fix.patch'));
  return { mirror: read('mirror.patch'), test: read('test.patch'), ...(hasFix ? { fix: read('fix.patch') } : {}) };
}

/** As the slow fixture test: the flaky task reads a run counter the host writes into the working copy (an ignored file, so it must reach the container too). */
function optionsFor(task: string): Parameters<typeof verifyTask>[2] {
  return { runtime, ...(task === 'invalid-flaky' ? { runSuite: suiteRunnerWithRunCounter() } : {}) };
}

describe.skipIf(!isTestable)('the python fixture gym: docker verdicts equal the local sandbox', () => {
  beforeAll(async () => {
    await ensureTestBaseImage();
    dataDirectory = mkdtempSync(path.join(os.tmpdir(), 'swe-mirror-docker-verify-'));
    [local, docker] = await Promise.all([
      prepareGym(await loadGymSpec(path.join(FIXTURE, 'gym.yaml')), { dataDirectory, runtime }),
      prepareGym(await loadGymSpec(path.join(DOCKER_SPECS, 'python-pytest.yaml')), { dataDirectory, runtime }),
    ]);
  });

  afterAll(async () => {
    if (docker?.image) await createDockerClient().getImage(docker.image).remove({ force: true }).catch(() => undefined);
    if (dataDirectory) rmSync(dataDirectory, { recursive: true, force: true });
  });

  it('prepares a gym image swe-mirror/<gym>:<spec hash> whose baseline equals the local one', () => {
    expect(docker.image).toBe(`swe-mirror/python-pytest-docker:${docker.specHash.slice(0, 12)}`);
    expect(Object.keys(docker.baseline.tests).length).toBeGreaterThan(10);
    expect(docker.baseline.tests).toEqual(local.baseline.tests);
    expect(docker.baseline.quarantined).toEqual([]);
  });

  it('reuses the prepared gym while its image exists, and prepares it again when the image is gone', async () => {
    const loaded = await loadGymSpec(path.join(DOCKER_SPECS, 'python-pytest.yaml'));
    const again = await prepareGym(loaded, { dataDirectory, runtime });
    expect(again.preparedAt).toBe(docker.preparedAt);
    await createDockerClient().getImage(docker.image as string).remove({ force: true });
    const events: string[] = [];
    docker = await prepareGym(loaded, { dataDirectory, runtime, onEvent: (event) => events.push(event.type) });
    expect(events).toContain('tampered');
    expect(docker.preparedAt).not.toBe(again.preparedAt);
  });

  for (const task of tasks) {
    it(`task ${task}: the same verdict through docker as through the local sandbox, and the expected one`, async () => {
      const expected = JSON.parse(readFileSync(path.join(FIXTURE, 'tasks', task, 'expected.json'), 'utf8')) as Expected;
      const [fromLocal, fromDocker] = await Promise.all([verifyTask(local, readPatches(task), optionsFor(task)), verifyTask(docker, readPatches(task), optionsFor(task))]);
      expect(summarize(fromDocker)).toEqual(summarize(fromLocal));
      // The verdict's sandbox record describes the containers the runs used, not the caller's local runtime.
      expect(fromDocker.sandbox).toMatchObject({ runtime: 'docker', isolated: true, missing: [] });
      expect(fromLocal.sandbox.runtime).toBe('local');
      expect(summarize(fromDocker)).toEqual({ valid: expected.valid, rules: [...new Set(expected.rules)].sort(), FAIL_TO_PASS: [...expected.FAIL_TO_PASS].sort() });
      expect(await listContainersOf(docker.image as string)).toEqual([]);
    });
  }

  it("runs the gym's pre-check in a container of its image, on the working copy's changes", async () => {
    await withWorkingCopy(docker, async (workdir) => {
      expect((await runPrecheck(docker, runtime, workdir, [])).process?.exitCode).toBe(0);
      const broken = path.join(workdir, 'semver_lite', 'broken.py');
      writeFileSync(broken, 'def oops(:\n');
      try {
        const failed = await runPrecheck(docker, runtime, workdir, ['semver_lite/broken.py']);
        expect(failed.passed).toBe(false);
        expect(failed.process?.cwd).toBe('/testbed');
        expect(`${failed.process?.stdout}${failed.process?.stderr}`).toContain('broken.py');
      } finally {
        rmSync(broken);
      }
    });
  });

  it('reads a JUnit report file copied out of the container: the same baseline as the console summary', async () => {
    const junit = await prepareGym(await loadGymSpec(path.join(DOCKER_SPECS, 'python-pytest-junit.yaml')), { dataDirectory, runtime, baselineRuns: 1 });
    try {
      expect(junit.baseline.tests).toEqual(docker.baseline.tests);
    } finally {
      await createDockerClient().getImage(junit.image as string).remove({ force: true }).catch(() => undefined);
    }
  });
});

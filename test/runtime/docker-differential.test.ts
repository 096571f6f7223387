/**
 * Differential test on the fixture gyms that run on the docker runtime with host toolchains bind-mounted read-only
 * (docker.mounts, test/runtime/docker-fixtures/<gym>.yaml: same source and commands as the fixture's gym.yaml, the
 * test base image plus the host's GOROOT or node binary). Every fixture task must get the same verdict through
 * docker as through the local sandbox (valid, failed rules, FAIL_TO_PASS), and the one its expected.json records.
 * python-pytest is covered by docker-verify.test.ts; which gyms cannot run here and why: docs/docker.md.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGymSpec } from '../../src/config/load-gym-spec.js';
import type { Verdict } from '../../src/core/records.js';
import { prepareGym } from '../../src/gym/prepare.js';
import type { PreparedGym } from '../../src/gym/types.js';
import { createDockerClient } from '../../src/runtime/docker/client.js';
import { createLocalRuntime } from '../../src/runtime/local.js';
import { verifyTask } from '../../src/verify/verify-task.js';
import { suiteRunnerWithRunCounter } from '../support/changing-environment.js';
import { ensureTestBaseImage, isDockerTestable, listContainersOf } from './docker-support.js';

const isTestable = await isDockerTestable();
const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures', 'gyms');
const DOCKER_SPECS = path.resolve(import.meta.dirname, 'docker-fixtures');
/** The gyms, each with the host path its docker spec mounts (absent: the gym is skipped with a message). */
const GYMS = [
  { name: 'go-stdlib', toolchain: '/usr/local/go' },
  { name: 'js-node-test', toolchain: '/usr/bin/node' },
];
/**
 * The tasks run by default, to keep the docker tests within CI's time on 2 cores: the valid one, one that fails on
 * reruns (the run counter crosses into the container) and one whose fix regresses a test. Every task of each gym:
 * SWE_MIRROR_DOCKER_ALL_TASKS=1 (about 5 minutes for both gyms).
 */
const DEFAULT_TASKS = ['valid', 'invalid-flaky', 'invalid-fix-regresses'];
const runtime = createLocalRuntime();

interface Expected {
  valid: boolean;
  rules: string[];
  FAIL_TO_PASS: string[];
}

function summarize(verdict: Verdict | Expected): Expected {
  const rules = 'reasons' in verdict ? verdict.reasons.map((reason) => reason.rule) : verdict.rules;
  return { valid: verdict.valid, rules: [...new Set(rules)].sort(), FAIL_TO_PASS: [...verdict.FAIL_TO_PASS].sort() };
}

for (const gym of GYMS) {
  const fixture = path.join(FIXTURES, gym.name);
  const tasks = readdirSync(path.join(fixture, 'tasks'))
    .filter((task) => existsSync(path.join(fixture, 'tasks', task, 'expected.json')))
    .filter((task) => process.env.SWE_MIRROR_DOCKER_ALL_TASKS === '1' || DEFAULT_TASKS.includes(task))
    .sort();
  const hasToolchain = existsSync(gym.toolchain);
  if (isTestable && !hasToolchain) console.warn(`SKIPPED: the ${gym.name} docker differential test needs ${gym.toolchain} on this machine.`);

  describe.skipIf(!isTestable || !hasToolchain)(`the ${gym.name} fixture gym: docker verdicts (host toolchain mounted read-only) equal the local sandbox`, () => {
    let dataDirectory: string;
    let local: PreparedGym;
    let docker: PreparedGym;

    beforeAll(async () => {
      await ensureTestBaseImage();
      dataDirectory = mkdtempSync(path.join(os.tmpdir(), `swe-mirror-docker-${gym.name}-`));
      local = await prepareGym(await loadGymSpec(path.join(fixture, 'gym.yaml')), { dataDirectory, runtime });
      docker = await prepareGym(await loadGymSpec(path.join(DOCKER_SPECS, `${gym.name}.yaml`)), { dataDirectory, runtime });
    });

    afterAll(async () => {
      if (docker?.image) await createDockerClient().getImage(docker.image).remove({ force: true }).catch(() => undefined);
      if (dataDirectory) rmSync(dataDirectory, { recursive: true, force: true });
    });

    it('prepares a gym image whose baseline equals the local one', () => {
      expect(Object.keys(docker.baseline.tests).length).toBeGreaterThan(3);
      expect(docker.baseline.tests).toEqual(local.baseline.tests);
      expect(docker.baseline.quarantined).toEqual(local.baseline.quarantined);
    });

    for (const task of tasks) {
      it(`task ${task}: the same verdict through docker as through the local sandbox, and the expected one`, async () => {
        const read = (name: string): string => readFileSync(path.join(fixture, 'tasks', task, name), 'utf8');
        const patches = { mirror: read('mirror.patch'), test: read('test.patch'), ...(existsSync(path.join(fixture, 'tasks', task, 'fix.patch')) ? { fix: read('fix.patch') } : {}) };
        // As the slow fixture test: the flaky task reads a run counter the host writes into the working copy.
        // Each runtime gets its own counter.
        const options = (): Parameters<typeof verifyTask>[2] => ({ runtime, ...(task === 'invalid-flaky' ? { runSuite: suiteRunnerWithRunCounter() } : {}) });
        const fromLocal = await verifyTask(local, patches, options());
        const fromDocker = await verifyTask(docker, patches, options());
        expect(summarize(fromDocker)).toEqual(summarize(fromLocal));
        expect(fromDocker.sandbox).toMatchObject({ runtime: 'docker', isolated: true, missing: [] });
        expect(summarize(fromDocker)).toEqual(summarize(JSON.parse(read('expected.json')) as Expected));
        expect(await listContainersOf(docker.image as string)).toEqual([]);
      });
    }
  });
}

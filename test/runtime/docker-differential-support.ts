/**
 * The differential test on the fixture gyms that run on the docker runtime with host toolchains bind-mounted read-only
 * (docker.mounts, test/runtime/docker-fixtures/<gym>.yaml: same source and commands as the fixture's gym.yaml, the
 * test base image plus the host's GOROOT, node and npm, or rustup toolchain). Every fixture task must get the same
 * verdict through docker as through the local sandbox (valid, failed rules, FAIL_TO_PASS), and the one its
 * expected.json records. python-pytest is covered by docker-verify.test.ts; see docs/docker.md.
 * Two test files share it (docker-differential.test.ts, docker-differential-npm.test.ts), so CI's two workers can
 * run them side by side instead of one file of about 15 minutes.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadGymSpec } from '../../src/config/load-gym-spec.js';
import type { Verdict } from '../../src/core/records.js';
import { prepareGym } from '../../src/gym/prepare.js';
import type { PreparedGym } from '../../src/gym/types.js';
import { createDockerClient } from '../../src/runtime/docker/client.js';
import { createLocalRuntime } from '../../src/runtime/local.js';
import { verifyTask } from '../../src/verify/verify-task.js';
import { suiteRunnerWithRunCounter } from '../support/changing-environment.js';
import { ensureTestBaseImage, isDockerTestable, listContainersOf } from './docker-support.js';

const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures', 'gyms');
const DOCKER_SPECS = path.resolve(import.meta.dirname, 'docker-fixtures');
/**
 * The local gyms are prepared where the slow fixture test keeps them (keyed by content, locked while preparing), so
 * their installs and baselines are paid once per machine; the docker gyms in a directory of their own, removed after.
 */
const LOCAL_DATA_DIRECTORY = path.join(os.tmpdir(), 'swe-mirror-fixture-gyms');
/** A task's verify runs each state in full and reruns; tsc or cargo under load on 2 cores take a while. */
const TASK_TIMEOUT_MS = 10 * 60_000;

interface DockerSpecSource {
  /** The docker spec to prepare, or why this machine cannot (the gym is skipped with that message). */
  specPath?: string;
  skip?: string;
}

/**
 * The rust spec mounts the host's rustup toolchain, whose path differs between machines: a copy of
 * docker-fixtures/rust-cargo.yaml with the sysroot `rustc --print sysroot` gives here (in the fixture, so a toolchain
 * file there would count) and the repository as an absolute path.
 */
function rustSpecForThisMachine(directory: string): DockerSpecSource {
  let sysroot: string;
  try {
    sysroot = execFileSync('rustc', ['--print', 'sysroot'], { cwd: path.join(FIXTURES, 'rust-cargo'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return { skip: 'no rust toolchain here (`rustc --print sysroot` failed: rustc is not on PATH)' };
  }
  if (!existsSync(path.join(sysroot, 'bin', 'cargo'))) return { skip: `the rust toolchain ${sysroot} has no bin/cargo` };
  const spec = parse(readFileSync(path.join(DOCKER_SPECS, 'rust-cargo.yaml'), 'utf8')) as { repo: string; docker: { mounts: { source: string }[] } };
  spec.repo = path.join(FIXTURES, 'rust-cargo');
  (spec.docker.mounts[0] as { source: string }).source = sysroot;
  const specPath = path.join(directory, 'rust-cargo.yaml');
  writeFileSync(specPath, stringify(spec));
  return { specPath };
}

/** The docker spec of a gym, or why it is skipped: a host path it mounts is missing here. */
function dockerSpecFor(gym: string, directory: string): DockerSpecSource {
  if (gym === 'rust-cargo') return rustSpecForThisMachine(directory);
  const specPath = path.join(DOCKER_SPECS, `${gym}.yaml`);
  const spec = parse(readFileSync(specPath, 'utf8')) as { docker?: { mounts?: { source: string }[] } };
  const missing = (spec.docker?.mounts ?? []).map((mount) => mount.source).filter((source) => !existsSync(source));
  return missing.length > 0 ? { skip: `it mounts ${missing.join(', ')}, missing on this machine` } : { specPath };
}

/**
 * The tasks run by default, to keep the docker tests within CI's time on 2 cores: the valid one, one that fails on
 * reruns (the run counter crosses into the container) and one whose fix regresses a test. Every task of each gym:
 * SWE_MIRROR_DOCKER_ALL_TASKS=1.
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

/** One describe per gym: prepare it both ways, compare the baselines, then verify each task both ways. */
export async function describeDockerDifferential(gyms: string[]): Promise<void> {
  const isTestable = await isDockerTestable();
  const specDirectory = mkdtempSync(path.join(os.tmpdir(), 'swe-mirror-docker-specs-'));
  afterAll(() => rmSync(specDirectory, { recursive: true, force: true }));
  for (const name of gyms) describeGym(name, isTestable, specDirectory);
}

function describeGym(name: string, isTestable: boolean, specDirectory: string): void {
  const fixture = path.join(FIXTURES, name);
  const tasks = readdirSync(path.join(fixture, 'tasks'))
    .filter((task) => existsSync(path.join(fixture, 'tasks', task, 'expected.json')))
    .filter((task) => process.env.SWE_MIRROR_DOCKER_ALL_TASKS === '1' || DEFAULT_TASKS.includes(task))
    .sort();
  const source = dockerSpecFor(name, specDirectory);
  if (isTestable && source.skip) console.warn(`SKIPPED: the ${name} docker differential test: ${source.skip}.`);

  describe.skipIf(!isTestable || !source.specPath)(`the ${name} fixture gym: docker verdicts (host toolchain mounted read-only) equal the local sandbox`, () => {
    let dataDirectory: string;
    let local: PreparedGym;
    let docker: PreparedGym;

    beforeAll(async () => {
      await ensureTestBaseImage();
      dataDirectory = mkdtempSync(path.join(os.tmpdir(), `swe-mirror-docker-${name}-`));
      local = await prepareGym(await loadGymSpec(path.join(fixture, 'gym.yaml')), { dataDirectory: LOCAL_DATA_DIRECTORY, runtime });
      docker = await prepareGym(await loadGymSpec(source.specPath as string), { dataDirectory, runtime });
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
      it(`task ${task}: the same verdict through docker as through the local sandbox, and the expected one`, { timeout: TASK_TIMEOUT_MS }, async () => {
        const read = (file: string): string => readFileSync(path.join(fixture, 'tasks', task, file), 'utf8');
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

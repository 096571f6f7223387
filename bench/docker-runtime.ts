// Docker runtime cost on the python fixture gym (test/runtime/docker-fixtures/python-pytest.yaml: the same source and
// commands as test/fixtures/gyms/python-pytest, in a container image). (1) Container overhead of one suite run (create,
// copy the working copy's changes in, start, exec, copy the report out, remove: a docker run of `true` with the
// gym's run options) ÷ a bare local suite run: reported; target ≤ 1.0 s absolute. (2) A suite run through docker
// ÷ the same suite through the local sandbox: ≤ 1.5. (3) verify of the fixture's valid task through docker ÷ through
// the local sandbox, same gym: ≤ 1.3. Needs a Docker engine (DOCKER_HOST) holding swe-mirror-test/bookworm-python:2.
// Run with: node --import tsx bench/docker-runtime.ts
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type Docker from 'dockerode';
import { fileURLToPath } from 'node:url';
import { loadGymSpec } from '../src/config/load-gym-spec.js';
import { gymRunOptions } from '../src/gym/gym-environment.js';
import { resolveGymRuntime } from '../src/gym/gym-runtime.js';
import { prepareGym } from '../src/gym/prepare.js';
import { runSuite } from '../src/gym/run-suite.js';
import type { PreparedGym } from '../src/gym/types.js';
import { leaseWorkingCopy } from '../src/gym/working-copies.js';
import { createDockerClient, isDockerEngineAvailable } from '../src/runtime/docker/client.js';
import { createLocalRuntime } from '../src/runtime/local.js';
import { verifyTask } from '../src/verify/verify-task.js';
import { recordFigure } from './support/figures.js';
import { bareSuiteRun, median, timed } from './support/timing.js';

const REPEATS = 7;
const VERIFY_REPEATS = 3;
const FIXTURE = fileURLToPath(new URL('../test/fixtures/gyms/python-pytest', import.meta.url));
const DOCKER_SPEC = fileURLToPath(new URL('../test/runtime/docker-fixtures/python-pytest.yaml', import.meta.url));
const runtime = createLocalRuntime({ sandbox: 'bwrap' });

/** Engine calls of the docker suite runs, timed (ms per call): where one run's time goes. */
const engineCalls = new Map<string, number[]>();
function timeEngineCalls(client: Docker): void {
  const targets: [object, string[]][] = [
    [Object.getPrototypeOf(client), ['createContainer']],
    [Object.getPrototypeOf(client.getContainer('probe')), ['putArchive', 'attach', 'start', 'wait', 'inspect', 'getArchive', 'remove']],
  ];
  for (const [prototype, names] of targets) {
    for (const name of names) {
      const calls = prototype as Record<string, (...args: unknown[]) => unknown>;
      const original = calls[name] as (...args: unknown[]) => unknown;
      calls[name] = function (this: unknown, ...args: unknown[]) {
        const startedAt = performance.now();
        const answer = original.apply(this, args);
        if (!(answer instanceof Promise)) return answer;
        return answer.then((value: unknown) => {
          engineCalls.set(name, [...(engineCalls.get(name) ?? []), performance.now() - startedAt]);
          return value;
        });
      };
    }
  }
}

if (!(await isDockerEngineAvailable())) {
  process.stdout.write(`docker-runtime: skipped (no Docker engine answers at ${process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'})\n`);
  process.exit(0);
}
const dataDirectory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-bench-docker-'));
const lines: string[] = [`load average at start: ${loadavg()[0]?.toFixed(1)}`];
let docker: PreparedGym | undefined;
try {
  const local = await prepareGym(await loadGymSpec(path.join(FIXTURE, 'gym.yaml')), { dataDirectory, runtime, baselineRuns: 1 });
  docker = await prepareGym(await loadGymSpec(DOCKER_SPEC), { dataDirectory, runtime, baselineRuns: 1 });
  const localCopy = await leaseWorkingCopy(local);
  const dockerCopy = await leaseWorkingCopy(docker);
  const containers = await resolveGymRuntime(docker, runtime);
  const options = gymRunOptions(docker, dockerCopy.workdir, containers);
  const overhead = await timed(() => containers.run(['true'], { ...options, collect: ['/testbed/report.xml'] }), REPEATS);
  const bareSuite = await timed(() => bareSuiteRun(local, localCopy.workdir, runtime), 5);
  const sandboxedSuite = await timed(() => runSuite(local, { runtime, workdir: localCopy.workdir }), REPEATS);
  timeEngineCalls(createDockerClient());
  const dockerSuite = await timed(() => runSuite(docker as PreparedGym, { runtime, workdir: dockerCopy.workdir }), REPEATS);
  const breakdown = [...engineCalls].map(([name, times]) => `${name} ${median(times).toFixed(0)} ms${times.length === REPEATS ? '' : ` (${times.length} calls)`}`).join(', ');
  await localCopy.release();
  await dockerCopy.release();
  const read = (name: string): string => readFileSync(path.join(FIXTURE, 'tasks', 'valid', name), 'utf8');
  const patches = { mirror: read('mirror.patch'), test: read('test.patch') };
  const verifyLocal = await timed(() => verifyTask(local, patches, { runtime }), VERIFY_REPEATS);
  const verifyDocker = await timed(() => verifyTask(docker as PreparedGym, patches, { runtime }), VERIFY_REPEATS);

  const suiteRatio = dockerSuite / sandboxedSuite;
  const verifyRatio = verifyDocker / verifyLocal;
  const isOverheadMet = overhead <= 1000;
  lines.push(
    `container overhead of one run (create, copy in, start, exec true, copy out, remove; median of ${REPEATS}): ${overhead.toFixed(0)} ms (target <= 1000 ms) ${isOverheadMet ? 'OK' : 'MISSED'}`,
    `bare local suite run (median of 5): ${bareSuite.toFixed(0)} ms; overhead / bare suite run: ${(overhead / bareSuite).toFixed(2)}`,
    `suite run through the local sandbox: ${sandboxedSuite.toFixed(0)} ms; through docker: ${dockerSuite.toFixed(0)} ms; ratio ${suiteRatio.toFixed(2)} (target <= 1.5) ${suiteRatio <= 1.5 ? 'OK' : 'MISSED'}`,
    `engine calls of those docker suite runs (median of each): ${breakdown || 'none'}`,
    `verify of the valid task (median of ${VERIFY_REPEATS}): local ${(verifyLocal / 1000).toFixed(2)} s, docker ${(verifyDocker / 1000).toFixed(2)} s; ratio ${verifyRatio.toFixed(2)} (target <= 1.3) ${verifyRatio <= 1.3 ? 'OK' : 'MISSED'}`,
    `load average at end: ${loadavg()[0]?.toFixed(1)}`,
  );
  recordFigure(import.meta.filename, { measure: 'container overhead per run (median)', value: `${overhead.toFixed(0)} ms`, target: '≤ 1000 ms', isMet: isOverheadMet });
  recordFigure(import.meta.filename, { measure: 'container overhead ÷ bare local suite run', value: (overhead / bareSuite).toFixed(2) });
  recordFigure(import.meta.filename, { measure: 'suite run docker ÷ local sandbox', value: suiteRatio.toFixed(2), target: '≤ 1.5', isMet: suiteRatio <= 1.5 });
  recordFigure(import.meta.filename, { measure: 'verify docker ÷ local sandbox', value: verifyRatio.toFixed(2), target: '≤ 1.3', isMet: verifyRatio <= 1.3 });
} finally {
  if (docker?.image) await createDockerClient().getImage(docker.image).remove({ force: true }).catch(() => undefined);
  await rm(dataDirectory, { recursive: true, force: true });
}
process.stdout.write(`${lines.join('\n')}\n`);

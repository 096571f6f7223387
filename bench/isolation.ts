// Isolation cost. (1) One run's isolation setup and teardown (cgroup, overlay layers, bubblewrap, removal of the
// throw-away layers) ÷ one bare suite run of the python fixture gym: target ≤ 0.05. (2) A real jest project with
// babel-jest (dayjs) run through the sandbox ÷ the same runner run directly with a warm cache: target ≤ 1.2.
// The jest part needs a checkout of github.com/iamkun/dayjs (its install, npm ci, runs at prepare with network),
// named by SWE_MIRROR_BENCH_DAYJS (default /tmp/dayjs); without it, that part says so and is skipped.
// Run with: node --import tsx bench/isolation.ts
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadGymSpec } from '../src/config/load-gym-spec.js';
import { gymRunOptions } from '../src/gym/gym-environment.js';
import { prepareGym } from '../src/gym/prepare.js';
import { runSuite } from '../src/gym/run-suite.js';
import { leaseWorkingCopy } from '../src/gym/working-copies.js';
import { createLocalRuntime } from '../src/runtime/local.js';
import { recordFigure } from './support/figures.js';
import { bareSuiteRun, timed } from './support/timing.js';

const REPEATS = 9;
const PYTHON_GYM = fileURLToPath(new URL('../test/fixtures/gyms/python-pytest/gym.yaml', import.meta.url));
const DAYJS = process.env.SWE_MIRROR_BENCH_DAYJS ?? '/tmp/dayjs';
const runtime = createLocalRuntime({ sandbox: 'bwrap' });

const dataDirectory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-bench-isolation-'));
const lines: string[] = [];
try {
  const gym = await prepareGym(await loadGymSpec(PYTHON_GYM), { dataDirectory, runtime, baselineRuns: 1 });
  const lease = await leaseWorkingCopy(gym);
  const options = gymRunOptions(gym, lease.workdir, runtime);
  const sandboxedTrue = await timed(() => runtime.run(['true'], options), REPEATS);
  const directTrue = await timed(() => spawnSync('true'), REPEATS);
  const suite = await timed(() => bareSuiteRun(gym, lease.workdir, runtime), 5);
  await lease.release();
  const setup = sandboxedTrue - directTrue;
  const ratio = setup / suite;
  lines.push(
    `isolation setup + teardown of one run (median of ${REPEATS}): ${setup.toFixed(1)} ms (sandboxed true ${sandboxedTrue.toFixed(1)} ms − direct true ${directTrue.toFixed(1)} ms)`,
    `bare suite run, gym ${gym.spec.name} (median of 5): ${suite.toFixed(1)} ms`,
    `ratio isolation / bare suite run: ${ratio.toFixed(3)} (target <= 0.05) ${ratio <= 0.05 ? 'OK' : 'MISSED'}`,
  );
  recordFigure(import.meta.filename, { measure: `isolation setup+teardown ÷ bare suite run, ${gym.spec.name}`, value: ratio.toFixed(3), target: '≤ 0.05', isMet: ratio <= 0.05 });

  if (!existsSync(path.join(DAYJS, 'package-lock.json'))) {
    lines.push(`jest project: skipped (no dayjs checkout at ${DAYJS}; see the header of this file)`);
  } else {
    const specDirectory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-bench-dayjs-spec-'));
    const specPath = path.join(specDirectory, 'gym.yaml');
    const command = 'node_modules/.bin/jest --ci --coverage=false --json --outputFile=jest-report.json';
    await writeFile(
      specPath,
      [
        'name: dayjs-bench',
        'language: javascript',
        `repo: ${DAYJS}`,
        'sourceExclude: ["coverage/**", "jest-report.json"]',
        'install: ["npm ci --ignore-scripts --no-audit --no-fund"]',
        'test:',
        `  command: ${command}`,
        '  report: { format: jest, file: jest-report.json }',
        'testFiles: ["test/**"]',
        'env: { TZ: UTC }',
        'memoryLimitMB: 4096',
        'timeLimitSeconds: 600',
      ].join('\n') + '\n',
    );
    const dayjs = await prepareGym(await loadGymSpec(specPath), { dataDirectory, runtime, baselineRuns: 1 });
    const copy = await leaseWorkingCopy(dayjs);
    // Direct: the runner in the working copy, its cache (in the host's /tmp) warmed by one run first.
    bareSuiteRun(dayjs, copy.workdir, runtime, command);
    const direct = await timed(() => bareSuiteRun(dayjs, copy.workdir, runtime, command), 3);
    const sandboxed = await timed(() => runSuite(dayjs, { runtime, workdir: copy.workdir }), 3);
    const check = await runSuite(dayjs, { runtime, workdir: copy.workdir });
    await copy.release();
    const jestRatio = sandboxed / direct;
    lines.push(
      `jest (dayjs, ${Object.keys(check.report.tests).length} tests) direct with a warm cache (median of 3): ${(direct / 1000).toFixed(2)} s`,
      `jest (dayjs) through the sandbox, warm cache read-only underneath (median of 3): ${(sandboxed / 1000).toFixed(2)} s`,
      `ratio sandboxed / direct: ${jestRatio.toFixed(2)} (target <= 1.2) ${jestRatio <= 1.2 ? 'OK' : 'MISSED'}`,
    );
    recordFigure(import.meta.filename, { measure: 'jest (dayjs) sandboxed ÷ direct, warm cache', value: jestRatio.toFixed(2), target: '≤ 1.2', isMet: jestRatio <= 1.2 });
    await rm(specDirectory, { recursive: true, force: true });
  }
} finally {
  await rm(dataDirectory, { recursive: true, force: true });
}
process.stdout.write(`${lines.join('\n')}\n`);

// Reset cost: one git reset of a generated 5,000-file repository, and one reset / one bare suite run of a real gym.
// Run with: node --import tsx bench/reset.ts
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadGymSpec } from '../src/config/load-gym-spec.js';
import { DETERMINISTIC_COMMIT_ENVIRONMENT, runGit } from '../src/core/git.js';
import { prepareGym } from '../src/gym/prepare.js';
import { resetWorkingCopy } from '../src/gym/reset.js';
import { createLocalRuntime } from '../src/runtime/local.js';
import { recordFigure } from './support/figures.js';
import { median } from './support/timing.js';

const FILE_COUNT = 5000;
const REPEATS = 10;
const GYM_SPEC = fileURLToPath(new URL('../test/fixtures/gyms/python-pytest/gym.yaml', import.meta.url));

async function dirty(directory: string, round: number, tracked: string[]): Promise<void> {
  for (let index = 0; index < 25; index += 1) {
    const file = tracked[(round * 97 + index * 191) % tracked.length] as string;
    await writeFile(path.join(directory, file), `modified in round ${round}\n`);
  }
  await mkdir(path.join(directory, `untracked-${round}`, 'nested'), { recursive: true });
  for (let index = 0; index < 25; index += 1) await writeFile(path.join(directory, `untracked-${round}`, 'nested', `file-${index}.txt`), 'x');
  await mkdir(path.join(directory, 'node_modules'), { recursive: true });
  await writeFile(path.join(directory, 'node_modules', `kept-${round}.js`), 'kept');
}

async function timeResets(directory: string, commit: string, tracked: string[]): Promise<number[]> {
  const timings: number[] = [];
  for (let round = 0; round < REPEATS; round += 1) {
    await dirty(directory, round, tracked);
    const startedAt = performance.now();
    await resetWorkingCopy(directory, commit);
    timings.push(performance.now() - startedAt);
  }
  return timings;
}

async function generateRepository(): Promise<{ directory: string; commit: string; tracked: string[] }> {
  const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-bench-reset-'));
  const tracked: string[] = [];
  for (let folder = 0; folder < FILE_COUNT / 100; folder += 1) {
    await mkdir(path.join(directory, 'src', `module-${folder}`), { recursive: true });
    for (let file = 0; file < 100; file += 1) {
      const relative = path.join('src', `module-${folder}`, `file-${file}.js`);
      await writeFile(path.join(directory, relative), `export const value${file} = ${folder * 100 + file};\n`.repeat(20));
      tracked.push(relative);
    }
  }
  await runGit(directory, ['init', '-q', '-b', 'main']);
  await runGit(directory, ['add', '-A']);
  await runGit(directory, ['commit', '-q', '-m', 'generated'], { env: DETERMINISTIC_COMMIT_ENVIRONMENT });
  await writeFile(path.join(directory, '.git', 'info', 'exclude'), 'node_modules/\n');
  await mkdir(path.join(directory, 'node_modules'));
  return { directory, commit: (await runGit(directory, ['rev-parse', 'HEAD'])).trim(), tracked };
}

const generated = await generateRepository();
const generatedMedian = median(await timeResets(generated.directory, generated.commit, generated.tracked));
await rm(generated.directory, { recursive: true, force: true });

const dataDirectory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-bench-data-'));
const gym = await prepareGym(await loadGymSpec(GYM_SPEC), { dataDirectory, runtime: createLocalRuntime(), baselineRuns: 1 });
const suiteTimings: number[] = [];
for (let round = 0; round < 3; round += 1) {
  const startedAt = performance.now();
  spawnSync('bash', ['-c', gym.spec.test.command], { cwd: gym.workdir, stdio: 'ignore', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  suiteTimings.push(performance.now() - startedAt);
}
const gymTracked = (await runGit(gym.workdir, ['ls-files'])).split('\n').filter((file) => file.endsWith('.py'));
const gymResetMedian = median(await timeResets(gym.workdir, gym.commit, gymTracked));
const suiteMedian = median(suiteTimings);
await rm(dataDirectory, { recursive: true, force: true });

const ratio = gymResetMedian / suiteMedian;
recordFigure(import.meta.filename, { measure: `reset, generated ${FILE_COUNT}-file repo`, value: `${generatedMedian.toFixed(1)} ms`, target: '< 200 ms', isMet: generatedMedian < 200 });
recordFigure(import.meta.filename, { measure: `reset ÷ bare suite run, gym ${gym.spec.name}`, value: ratio.toFixed(3), target: '≤ 0.05', isMet: ratio <= 0.05 });
process.stdout.write(
  [
    `reset, generated ${FILE_COUNT}-file repo (median of ${REPEATS}): ${generatedMedian.toFixed(1)} ms (target < 200 ms) ${generatedMedian < 200 ? 'OK' : 'MISSED'}`,
    `reset, gym ${gym.spec.name} (median of ${REPEATS}): ${gymResetMedian.toFixed(1)} ms`,
    `bare suite run, gym ${gym.spec.name} (median of 3): ${suiteMedian.toFixed(1)} ms`,
    `ratio reset / bare suite run: ${ratio.toFixed(3)} (target <= 0.05) ${ratio <= 0.05 ? 'OK' : 'MISSED'}`,
  ].join('\n') + '\n',
);

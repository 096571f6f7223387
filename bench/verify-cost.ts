/**
 * Verify cost: wall time of `verifyTask` at its defaults (each state once in full, then the deciding tests rerun
 * through filesCommand) divided by 3 × one bare full-suite run of the same gym. Target ≤ 1.15 (DESIGN section 4).
 *
 *   node --import tsx bench/verify-cost.ts [<gym.yaml> <task dir>]... [--rounds 1]
 *
 * Default: every fixture gym's tasks/valid. Pass spec/task pairs for real repositories (docs/real-repos.md lists the
 * ones measured). Prepared gyms are cached under $TMPDIR/swe-mirror-bench-data (or --data-dir).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadGymSpec } from '../src/config/load-gym-spec.js';
import { prepareGym } from '../src/gym/prepare.js';
import { runSuite } from '../src/gym/run-suite.js';
import { createLocalRuntime } from '../src/runtime/local.js';
import { verifyTask } from '../src/verify/verify-task.js';
import { recordFigure } from './support/figures.js';

const TARGET = 1.15;
const FIXTURE_GYMS = path.resolve(import.meta.dirname, '..', 'test', 'fixtures', 'gyms');

interface Case {
  specPath: string;
  taskDirectory: string;
}

function parseArguments(): { cases: Case[]; rounds: number; dataDirectory: string } {
  const args = process.argv.slice(2);
  const option = (name: string): string | undefined => {
    const at = args.indexOf(name);
    if (at < 0) return undefined;
    const [value] = args.splice(at, 2).slice(1);
    return value;
  };
  const rounds = Number(option('--rounds') ?? 1);
  const dataDirectory = option('--data-dir') ?? path.join(os.tmpdir(), 'swe-mirror-bench-data');
  const cases: Case[] = [];
  for (let index = 0; index + 1 < args.length; index += 2) cases.push({ specPath: path.resolve(args[index] as string), taskDirectory: path.resolve(args[index + 1] as string) });
  if (cases.length === 0) {
    for (const gym of readdirSync(FIXTURE_GYMS).sort()) {
      const taskDirectory = path.join(FIXTURE_GYMS, gym, 'tasks', 'valid');
      if (existsSync(path.join(taskDirectory, 'mirror.patch'))) cases.push({ specPath: path.join(FIXTURE_GYMS, gym, 'gym.yaml'), taskDirectory });
    }
  }
  return { cases, rounds: Number.isInteger(rounds) && rounds > 0 ? rounds : 1, dataDirectory };
}

function readTask(taskDirectory: string): { mirror: string; test: string; fix?: string } {
  const read = (name: string): string | undefined => (existsSync(path.join(taskDirectory, name)) ? readFileSync(path.join(taskDirectory, name), 'utf8') : undefined);
  const fix = read('fix.patch');
  return { mirror: read('mirror.patch') as string, test: read('test.patch') as string, ...(fix === undefined ? {} : { fix }) };
}

async function measure(entry: Case, rounds: number, dataDirectory: string): Promise<number> {
  const runtime = createLocalRuntime();
  const gym = await prepareGym(await loadGymSpec(entry.specPath), { dataDirectory, runtime });
  const patches = readTask(entry.taskDirectory);
  await runSuite(gym, { runtime }); // warm-up: page cache, interpreter
  let bareMs = 0;
  let verifyMs = 0;
  let suiteRuns = 0;
  // The full runs inside verify: on a compiled gym a patched state rebuilds, so they cost more than a bare run.
  let fullRunsMs = 0;
  for (let round = 1; round <= rounds; round++) {
    const bare = async (): Promise<number> => {
      const start = performance.now();
      for (let index = 0; index < 3; index++) await runSuite(gym, { runtime });
      return performance.now() - start;
    };
    const verify = async (): Promise<number> => {
      const start = performance.now();
      const verdict = await verifyTask(gym, patches, { runtime, useFlakyRecord: false });
      suiteRuns = verdict.runs.length;
      fullRunsMs += verdict.runs.filter((run) => run.files === undefined).reduce((sum, run) => sum + run.durationMs, 0);
      if (!verdict.valid) console.log(`  note: ${gym.spec.name}: not valid here (${verdict.reasons.map((reason) => reason.rule).join(', ')})`);
      return performance.now() - start;
    };
    // Alternate the order so drifting machine load favours neither side.
    const [firstMs, secondMs] = round % 2 === 1 ? [await bare(), await verify()] : [await verify(), await bare()];
    const [roundBare, roundVerify] = round % 2 === 1 ? [firstMs, secondMs] : [secondMs, firstMs];
    bareMs += roundBare;
    verifyMs += roundVerify;
  }
  const ratio = verifyMs / bareMs;
  const line = `${gym.spec.name}: verify ${(verifyMs / rounds / 1000).toFixed(2)} s (${suiteRuns} suite runs) / 3 bare ${(bareMs / rounds / 1000).toFixed(2)} s = ${ratio.toFixed(3)}`;
  console.log(`${line} ${ratio <= TARGET ? 'OK' : 'ABOVE TARGET'}; verify ÷ its own full runs ${(verifyMs / fullRunsMs).toFixed(3)}`);
  recordFigure(import.meta.filename, { measure: `${gym.spec.name}: verify ÷ 3 bare full runs`, value: ratio.toFixed(3), target: `≤ ${TARGET}`, isMet: ratio <= TARGET });
  recordFigure(import.meta.filename, { measure: `${gym.spec.name}: verify ÷ its own full runs of the 3 states`, value: (verifyMs / fullRunsMs).toFixed(3) });
  return ratio;
}

async function main(): Promise<void> {
  const { cases, rounds, dataDirectory } = parseArguments();
  const ratios: number[] = [];
  for (const entry of cases) ratios.push(await measure(entry, rounds, dataDirectory));
  const worst = Math.max(...ratios);
  console.log(`worst ratio ${worst.toFixed(3)} over ${ratios.length} gym(s) (target ≤ ${TARGET})`);
  if (worst > TARGET) process.exitCode = 1;
}

await main();

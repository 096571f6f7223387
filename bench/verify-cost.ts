/**
 * Verify cost: wall time of `verifyTask` at its defaults (each state once in full, then the deciding tests rerun
 * through filesCommand) divided by 3 × one bare full-suite run of the same gym. Target ≤ 1.15 (DESIGN section 4).
 *
 *   node --import tsx bench/verify-cost.ts [<gym.yaml> <task dir>]... [--rounds 1]
 *
 * Verify is measured twice per round, one suite run at a time (`parallelRuns: 1`) and with each state's targeted
 * rerun beside its full run (`parallelRuns: 2`, what the default picks when a core is free); both ratios are printed
 * with the load average, since the second needs a free core to pay off.
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
  const verifyMs: Record<1 | 2, number> = { 1: 0, 2: 0 };
  const suiteRuns: Record<1 | 2, number> = { 1: 0, 2: 0 };
  // The full runs inside verify: on a compiled gym a patched state rebuilds, so they cost more than a bare run.
  let fullRunsMs = 0;
  const loads: number[] = [];
  // The pipeline's case: the mirror stage's runs of the test files in the test and fix trees stand in for the
  // targeted reruns (priorRuns). Made here, untimed, by one verification whose targeted runs are kept.
  const priorRuns = await capturePriorRuns(gym, patches, runtime);
  let pipelineMs = 0;
  let pipelineRuns = 0;
  for (let round = 1; round <= rounds; round++) {
    const bare = async (): Promise<void> => {
      const start = performance.now();
      for (let index = 0; index < 3; index++) await runSuite(gym, { runtime });
      bareMs += performance.now() - start;
    };
    const verify = async (parallelRuns: 1 | 2): Promise<void> => {
      loads.push(os.loadavg()[0] ?? 0);
      const start = performance.now();
      const verdict = await verifyTask(gym, patches, { runtime, useFlakyRecord: false, parallelRuns });
      verifyMs[parallelRuns] += performance.now() - start;
      suiteRuns[parallelRuns] = verdict.runs.length;
      if (parallelRuns === 1) fullRunsMs += verdict.runs.filter((run) => run.files === undefined).reduce((sum, run) => sum + run.durationMs, 0);
      if (!verdict.valid) console.log(`  note: ${gym.spec.name}: not valid here (${verdict.reasons.map((reason) => reason.rule).join(', ')})`);
    };
    const verifyWithPriorRuns = async (): Promise<void> => {
      const start = performance.now();
      const verdict = await verifyTask(gym, patches, { runtime, useFlakyRecord: false, parallelRuns: 1, ...(priorRuns ? { priorRuns } : {}) });
      pipelineMs += performance.now() - start;
      pipelineRuns = verdict.runs.length;
    };
    // Alternate the order so drifting machine load favours no side.
    const order =
      round % 2 === 1
        ? [() => bare(), () => verify(1), () => verify(2), () => verifyWithPriorRuns()]
        : [() => verifyWithPriorRuns(), () => verify(2), () => verify(1), () => bare()];
    for (const step of order) await step();
  }
  const load = loads.reduce((sum, value) => sum + value, 0) / loads.length;
  const ratio = (parallelRuns: 1 | 2): number => verifyMs[parallelRuns] / bareMs;
  const sequential = ratio(1);
  const overlapped = ratio(2);
  console.log(
    `${gym.spec.name}: 3 bare ${(bareMs / rounds / 1000).toFixed(2)} s; verify one run at a time ${(verifyMs[1] / rounds / 1000).toFixed(2)} s (${suiteRuns[1]} suite runs) = ${sequential.toFixed(3)}; ` +
      `reruns beside full runs ${(verifyMs[2] / rounds / 1000).toFixed(2)} s (${suiteRuns[2]} suite runs) = ${overlapped.toFixed(3)} ${overlapped <= TARGET ? 'OK' : 'ABOVE TARGET'}; ` +
      `with the mirror stage's runs (pipeline) ${(pipelineMs / rounds / 1000).toFixed(2)} s (${pipelineRuns} suite runs) = ${(pipelineMs / bareMs).toFixed(3)}; ` +
      `verify ÷ its own full runs ${(verifyMs[1] / fullRunsMs).toFixed(3)}; load average ${load.toFixed(1)} on ${os.availableParallelism()} cores`,
  );
  recordFigure(import.meta.filename, { measure: `${gym.spec.name}: verify with the mirror stage's runs as reruns (pipeline) ÷ 3 bare full runs`, value: (pipelineMs / bareMs).toFixed(3), target: `≤ ${TARGET}`, isMet: pipelineMs / bareMs <= TARGET });
  recordFigure(import.meta.filename, { measure: `${gym.spec.name}: verify, reruns beside full runs (parallelRuns 2) ÷ 3 bare full runs, load ${load.toFixed(1)}`, value: overlapped.toFixed(3), target: `≤ ${TARGET}`, isMet: overlapped <= TARGET });
  recordFigure(import.meta.filename, { measure: `${gym.spec.name}: verify, one run at a time ÷ 3 bare full runs`, value: sequential.toFixed(3) });
  recordFigure(import.meta.filename, { measure: `${gym.spec.name}: verify ÷ its own full runs of the 3 states`, value: (verifyMs[1] / fullRunsMs).toFixed(3) });
  return overlapped;
}

/** The targeted runs of one untimed verification, by state, as priorRuns; undefined when it made none. */
async function capturePriorRuns(gym: Awaited<ReturnType<typeof prepareGym>>, patches: ReturnType<typeof readTask>, runtime: ReturnType<typeof createLocalRuntime>) {
  const captured: Partial<Record<'test' | 'fix', { tests: Record<string, 'PASSED' | 'FAILED' | 'SKIPPED'>; hasEvidence: boolean }>> = {};
  let state: string | undefined;
  await verifyTask(gym, patches, {
    runtime,
    useFlakyRecord: false,
    parallelRuns: 1,
    onEvent: (event) => {
      if (event.type === 'run-start') state = event.state;
    },
    runSuite: async (preparedGym, options) => {
      const suite = await runSuite(preparedGym, options);
      if (options.files && (state === 'test' || state === 'fix')) captured[state] = { tests: suite.report.tests as Record<string, 'PASSED' | 'FAILED' | 'SKIPPED'>, hasEvidence: suite.report.hasEvidence };
      return suite;
    },
  });
  return captured.test && captured.fix ? { test: captured.test, fix: captured.fix } : undefined;
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

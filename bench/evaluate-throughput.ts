/**
 * Evaluate throughput: predictions per minute of `evaluatePredictions` on the offline demo export's tasks with
 * their gold patches, with 1 and with 2 workers, and the 2/1 ratio measured in the same run. Gym preparation
 * (once per gym, kept in the data folder) is outside the timed part: a warm-up run prepares the gyms and both
 * working copies; each timed run writes to a fresh output folder, so every prediction is evaluated again.
 *
 *   node --import tsx bench/evaluate-throughput.ts [--rounds 2] [--export <tasks.jsonl>]
 *
 * Without --export the demo export is made first (examples/demo/swe-mirror.yaml copied into a temp folder
 * with its own `output:` and its relative paths resolved, then `swe-mirror run`; 2-4 minutes).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { evaluatePredictions } from '../src/evaluate/evaluate.js';
import type { Prediction } from '../src/evaluate/predictions.js';
import { createLocalRuntime } from '../src/runtime/local.js';
import { isExportedTask, readExportedTasks } from '../src/validate/read-exported-tasks.js';
import { runDemo } from './support/demo.js';
import { recordFigure } from './support/figures.js';


function parseArguments(): { rounds: number; exportFile: string | undefined } {
  const args = process.argv.slice(2);
  const value = (flag: string): string | undefined => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const rounds = Number(value('--rounds') ?? 2);
  return { rounds: Number.isInteger(rounds) && rounds > 0 ? rounds : 2, exportFile: value('--export') };
}

function makeDemoExport(scratch: string): string {
  const started = performance.now();
  const output = runDemo(scratch, { purpose: 'making the demo export', dataFolder: 'run-data' });
  process.stdout.write(`  demo export made in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  return path.join(output, 'tasks.jsonl');
}

async function goldPredictions(tasksFile: string): Promise<Prediction[]> {
  const tasks = (await readExportedTasks(tasksFile)).filter(isExportedTask);
  return tasks.map((task) => ({ instanceId: task.instanceId, modelNameOrPath: 'gold', modelPatch: task.patch }));
}

interface TimedRun {
  workers: number;
  predictions: number;
  resolved: number;
  /** From the moment every gym is prepared to the end. */
  evaluationMs: number;
}

async function timedRun(tasksFile: string, predictions: Prediction[], dataDirectory: string, outputDirectory: string, workers: number, runtime: ReturnType<typeof createLocalRuntime>): Promise<TimedRun> {
  let gymsReadyAt = performance.now();
  const result = await evaluatePredictions({
    tasksFile,
    predictions,
    outputDirectory,
    dataDirectory,
    workers,
    runtime,
    onEvent: (event) => {
      if (event.type === 'gym-prepared' || event.type === 'gym-failed') gymsReadyAt = performance.now();
      if (event.type === 'gym-failed') process.stderr.write(`${event.error.message}\n`);
    },
  });
  const evaluationMs = performance.now() - gymsReadyAt;
  if (result.failures.length > 0) throw new Error(`evaluation failures: ${result.failures.map((failure) => `${failure.instanceId}: ${failure.error.message}`).join('; ')}`);
  return { workers, predictions: predictions.length, resolved: result.summaries[0]?.resolved_instances ?? 0, evaluationMs };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

async function main(): Promise<void> {
  const { rounds, exportFile } = parseArguments();
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'swe-mirror-bench-evaluate-'));
  try {
    const tasksFile = exportFile ? path.resolve(exportFile) : makeDemoExport(scratch);
    const predictions = await goldPredictions(tasksFile);
    const dataDirectory = path.join(scratch, 'evaluate-data');
    const runtime = createLocalRuntime();
    const missing = (await runtime.describeProtections()).missing;
    process.stdout.write(`evaluate throughput: ${predictions.length} gold predictions on ${tasksFile}; sandbox: ${missing.length === 0 ? 'bubblewrap, every protection' : `missing ${missing.join('; ')}`}; load average ${os.loadavg().map((load) => load.toFixed(2)).join(' ')}\n`);

    // Warm-up: prepares each gym from its bundle and the two working copies two workers lease.
    const warm = await timedRun(tasksFile, predictions, dataDirectory, path.join(scratch, 'warm-up'), 2, runtime);
    if (warm.resolved !== predictions.length) throw new Error(`gold resolved ${warm.resolved}/${predictions.length}, not every task: the export is not valid`);

    const perMinute: Record<1 | 2, number[]> = { 1: [], 2: [] };
    for (let round = 1; round <= rounds; round += 1) {
      for (const workers of [1, 2] as const) {
        const run = await timedRun(tasksFile, predictions, dataDirectory, path.join(scratch, `round-${round}-workers-${workers}`), workers, runtime);
        const rate = run.predictions / (run.evaluationMs / 60_000);
        perMinute[workers].push(rate);
        process.stdout.write(`  round ${round}, ${workers} worker(s): ${run.predictions} predictions in ${(run.evaluationMs / 1000).toFixed(1)} s = ${rate.toFixed(1)} / min (resolved ${run.resolved})\n`);
      }
    }
    const one = median(perMinute[1]);
    const two = median(perMinute[2]);
    const ratio = two / one;
    const load = os.loadavg()[0]?.toFixed(2) ?? '?';
    process.stdout.write(`median: 1 worker ${one.toFixed(1)} predictions/min, 2 workers ${two.toFixed(1)} predictions/min, ratio 2/1 = ${ratio.toFixed(2)} (load average now ${load}, ${os.cpus().length} cores)\n`);
    recordFigure(import.meta.filename, { measure: `evaluate, 1 worker (${predictions.length} demo gold predictions)`, value: `${one.toFixed(1)} / min` });
    recordFigure(import.meta.filename, { measure: 'evaluate, 2 workers', value: `${two.toFixed(1)} / min` });
    recordFigure(import.meta.filename, { measure: 'evaluate throughput ratio, 2 workers / 1', value: ratio.toFixed(2) });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();

/**
 * Queue throughput: the demo export's tasks, each with its gold patch under several model names (one
 * evaluation job each: apply, run the suite, grade; CPU-bound test runs), through `evaluate --queue`
 * with 1 and then 2 `swe-mirror worker` processes (--concurrency 1 --tests 1 each), and the speed-up
 * measured in the same run (target >= 1.8x on 2 idle cores). The workers share one data folder, in which a
 * warm-up round has prepared the gyms from the jobs' bundles: preparation is outside the timed part.
 *
 *   node --import tsx bench/queue-throughput.ts [--copies 4] [--export <tasks.jsonl>]
 *
 * Without --export the demo export is made first (a copy of examples/demo/swe-mirror.yaml with its own
 * output, then `swe-mirror run`; 2-4 minutes). Redis: SWE_MIRROR_TEST_REDIS (default redis://127.0.0.1:6390), database 15.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { evaluatePredictions } from '../src/evaluate/evaluate.js';
import type { Prediction } from '../src/evaluate/predictions.js';
import { parseQueueLocation } from '../src/queue/connection.js';
import { createQueueEvaluator } from '../src/queue/queue-evaluator.js';
import { isExportedTask, readExportedTasks } from '../src/validate/read-exported-tasks.js';
import { runDemo } from './support/demo.js';
import { recordFigure } from './support/figures.js';

const REPOSITORY = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const value = (flag: string): string | undefined => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
const COPIES = Number(value('--copies') ?? 4);
const url = `${(process.env.SWE_MIRROR_TEST_REDIS ?? 'redis://127.0.0.1:6390').replace(/\/\d+$/, '')}/15`;
const load = (): string => os.loadavg().map((entry) => entry.toFixed(2)).join(' ');

function makeDemoExport(scratch: string): string {
  return path.join(runDemo(scratch, { purpose: 'making the demo export', dataFolder: 'run-data' }), 'tasks.jsonl');
}

/** Start `count` worker processes on one data folder and wait until each says it is ready. */
async function startWorkers(count: number, dataDirectory: string): Promise<ChildProcess[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPOSITORY, 'src', 'cli', 'main.ts'), 'worker', '--queue', url, '--concurrency', '1', '--tests', '1', '--data-dir', dataDirectory], { cwd: REPOSITORY, stdio: ['ignore', 'ignore', 'pipe'] });
      await new Promise<void>((resolve, reject) => {
        let output = '';
        child.stderr!.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes(' ready on ')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`a worker exited (${code}): ${output.slice(-2000)}`)));
      });
      return child;
    }),
  );
}

async function stopWorkers(workers: ChildProcess[]): Promise<void> {
  await Promise.all(workers.map((child) => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill('SIGTERM'))))));
}

/** One evaluation of every prediction through the queue, into a fresh output folder; the wall time. */
async function timedRound(tasksFile: string, predictions: Prediction[], outputDirectory: string): Promise<{ ms: number; resolved: number }> {
  const remote = await createQueueEvaluator({ location: parseQueueLocation(url), maxInFlight: 64, pollIntervalMs: 50 });
  const started = performance.now();
  try {
    const result = await evaluatePredictions({ tasksFile, predictions, outputDirectory, remote });
    if (result.failures.length > 0) throw new Error(`evaluation failures: ${result.failures.map((failure) => `${failure.instanceId}: ${failure.error.message}`).join('; ')}`);
    return { ms: performance.now() - started, resolved: result.summaries.reduce((sum, summary) => sum + summary.resolved_instances, 0) };
  } finally {
    await remote.close();
  }
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'swe-mirror-bench-queue-throughput-'));
  const redis = new Redis(url);
  try {
    await redis.flushdb();
    const tasksFile = value('--export') ? path.resolve(value('--export') as string) : makeDemoExport(scratch);
    const tasks = (await readExportedTasks(tasksFile)).filter(isExportedTask);
    const predictions = tasks.flatMap((task) => Array.from({ length: COPIES }, (_, copy) => ({ instanceId: task.instanceId, modelNameOrPath: `gold-${copy + 1}`, modelPatch: task.patch })));
    const dataDirectory = path.join(scratch, 'worker-data');
    process.stdout.write(`queue throughput: ${predictions.length} evaluation jobs (${tasks.length} tasks x ${COPIES} model names, gold patches) from ${tasksFile}; load average ${load()}\n`);

    // Warm-up: the workers prepare every gym from its bundle once (kept in their shared data folder).
    let workers = await startWorkers(2, dataDirectory);
    const warm = await timedRound(tasksFile, tasks.map((task) => ({ instanceId: task.instanceId, modelNameOrPath: 'warm-up', modelPatch: task.patch })), path.join(scratch, 'warm-up'));
    await stopWorkers(workers);
    process.stdout.write(`  warm-up (gyms prepared by the workers): ${(warm.ms / 1000).toFixed(1)} s\n`);

    const rounds: Record<number, number> = {};
    for (const count of [1, 2]) {
      workers = await startWorkers(count, dataDirectory);
      const round = await timedRound(tasksFile, predictions, path.join(scratch, `round-${count}`));
      await stopWorkers(workers);
      rounds[count] = round.ms;
      process.stdout.write(`  ${count} worker${count > 1 ? 's' : ''}: ${(round.ms / 1000).toFixed(1)} s, ${((predictions.length / round.ms) * 60_000).toFixed(1)} jobs/min, ${round.resolved}/${predictions.length} resolved; load average ${load()}\n`);
    }
    const speedUp = (rounds[1] as number) / (rounds[2] as number);
    process.stdout.write(`speed-up, 2 workers / 1: ${speedUp.toFixed(2)}x (target >= 1.8x where the cores are otherwise idle); load average ${load()}\n`);
    recordFigure(import.meta.filename, { measure: `evaluate --queue, 1 worker (${predictions.length} jobs)`, value: `${(rounds[1]! / 1000).toFixed(1)} s` });
    recordFigure(import.meta.filename, { measure: 'evaluate --queue, 2 workers', value: `${(rounds[2]! / 1000).toFixed(1)} s` });
    recordFigure(import.meta.filename, { measure: 'queue speed-up, 2 workers / 1', value: `${speedUp.toFixed(2)}x`, target: '>= 1.8x', isMet: speedUp >= 1.8 });
  } finally {
    redis.disconnect();
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();

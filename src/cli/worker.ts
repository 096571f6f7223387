import type { Command } from 'commander';
import { parseQueueLocation } from '../queue/connection.js';
import { parsePositiveNumber } from '../queue/queue-flags.js';
import { startWorker } from '../queue/worker.js';

export function register(program: Command): void {
  program
    .command('worker')
    .description('Take mirror, evaluation, verify and rollout jobs from a Redis queue until stopped (SIGINT/SIGTERM finish the jobs in hand). Run one per machine; `swe-mirror run --queue` (or evaluate, verify, rollout --queue) is the coordinator.')
    .requiredOption('--queue <url>', 'the Redis the coordinator uses, redis://host:port')
    .option('--data-dir <dir>', 'where prepared gyms live (env SWE_MIRROR_DATA_DIR)')
    .option('--concurrency <n>', 'jobs at once (default: the number of cores)')
    .option('--tests <n>', 'test-suite runs at once across those jobs (default: the number of cores)')
    .option('--stall-seconds <s>', "a dead worker's job is taken again after about this long", '30')
    .option('--unsafe-no-sandbox', 'run model-written code even without a sandbox (bubblewrap); recorded in every verdict, task and trajectory')
    .action(async (options: { queue: string; dataDir?: string; concurrency?: string; tests?: string; stallSeconds: string; unsafeNoSandbox?: boolean }) => {
      const write = (line: string): void => {
        process.stderr.write(`${new Date().toISOString()} ${line}\n`);
      };
      const worker = await startWorker({
        location: parseQueueLocation(options.queue),
        ...(options.dataDir ? { dataDirectory: options.dataDir } : {}),
        ...(options.concurrency ? { concurrency: parsePositiveNumber(options.concurrency, '--concurrency') } : {}),
        ...(options.tests ? { testConcurrency: parsePositiveNumber(options.tests, '--tests') } : {}),
        stallIntervalMs: Math.round(parsePositiveNumber(options.stallSeconds, '--stall-seconds', false) * 1000),
        ...(options.unsafeNoSandbox ? { unsafeNoSandbox: true } : {}),
        onLog: write,
      });
      write(`worker ${worker.name} ready on ${options.queue}`);
      await new Promise<void>((resolve) => {
        const stop = (signal: string): void => {
          write(`${signal}: finishing the jobs in hand`);
          worker.close().then(resolve, resolve);
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
      write('worker stopped');
    });
}

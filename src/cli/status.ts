import type { Command } from 'commander';
import { describeRunStop, readRunStop } from '../budget/run-stop.js';
import { renderFunnel } from '../dataset/stats.js';
import { readFunnel } from '../store/funnel.js';
import { parseQueueLocation } from '../queue/connection.js';
import { parsePositiveNumber } from '../queue/queue-flags.js';
import { readQueueStatus, renderQueueStatus } from '../queue/queue-status.js';
import { addStoreOptions, openExistingStore, type StoreOptions } from './store-option.js';

export function register(program: Command): void {
  addStoreOptions(program.command('status').description('Print the yield funnel from the store: counts per stage and the top reasons for loss.'))
    .option('--json', 'print JSON')
    .option('--top <n>', 'how many loss reasons to show', '10')
    .option('--queue <url>', 'also show the Redis queue: job counts and the dead letters (failed jobs) with their reasons')
    .option('--dead-letters <n>', 'with --queue: how many dead letters to list', '20')
    .action(async (options: StoreOptions & { json?: boolean; top: string; queue?: string; deadLetters: string }) => {
      if (options.queue) {
        const queueStatus = await readQueueStatus(parseQueueLocation(options.queue), { limit: parsePositiveNumber(options.deadLetters, '--dead-letters') });
        if (options.json && !options.store && !options.config) {
          process.stdout.write(`${JSON.stringify({ queue: queueStatus }, null, 2)}\n`);
          return;
        }
        if (!options.json) process.stdout.write(`${renderQueueStatus(queueStatus)}\n`);
        // Without a store, the queue is all there is to show.
        if (!options.store && !options.config) return;
      }
      const { store } = await openExistingStore(options);
      try {
        const funnel = readFunnel(store, { topLosses: Number(options.top) });
        const stoppedBy = readRunStop(store);
        if (options.json) {
          process.stdout.write(`${JSON.stringify({ ...funnel, ...(stoppedBy ? { stoppedBy } : {}) }, null, 2)}\n`);
          return;
        }
        if (stoppedBy) process.stdout.write(`${describeRunStop(stoppedBy)}\n`);
        const gyms = store.listGyms();
        for (const gym of gyms) {
          process.stdout.write(`gym ${gym.name} (${gym.language}): ${gym.status}${gym.error ? ` (${gym.error.split('\n')[0]})` : ''}\n`);
        }
        const byGym = new Map<string, string[]>();
        for (const row of funnel.stages) byGym.set(row.gym, [...(byGym.get(row.gym) ?? []), `${row.stage} ${row.count}`]);
        for (const [gym, parts] of byGym) process.stdout.write(`  ${gym}: ${parts.join(', ')}\n`);
        process.stdout.write(`${renderFunnel(funnel)}\n`);
      } finally {
        store.close();
      }
    });
}

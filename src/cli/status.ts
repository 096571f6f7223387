import type { Command } from 'commander';
import { renderFunnel } from '../dataset/stats.js';
import { readFunnel } from '../store/funnel.js';
import { addStoreOptions, openExistingStore, type StoreOptions } from './store-option.js';

export function register(program: Command): void {
  addStoreOptions(program.command('status').description('Print the yield funnel from the store: counts per stage and the top reasons for loss.'))
    .option('--json', 'print JSON')
    .option('--top <n>', 'how many loss reasons to show', '10')
    .action(async (options: StoreOptions & { json?: boolean; top: string }) => {
      const { store } = await openExistingStore(options);
      try {
        const funnel = readFunnel(store, { topLosses: Number(options.top) });
        if (options.json) {
          process.stdout.write(`${JSON.stringify(funnel, null, 2)}\n`);
          return;
        }
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

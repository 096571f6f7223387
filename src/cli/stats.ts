import type { Command } from 'commander';
import { readStats } from '../pipeline/export-from-store.js';
import { addStoreOptions, openExistingStore, type StoreOptions } from './store-option.js';

export function register(program: Command): void {
  addStoreOptions(program.command('stats').description('Dataset statistics per language (repos, instances, fix hunks/lines, mean P2P/F2P), the yield funnel, and the mirroring yield per language with losses by cause (compile/syntax, semantic, answer, statement, verifier).'))
    .option('--json', 'print JSON')
    .action(async (options: StoreOptions & { json?: boolean }) => {
      const { store } = await openExistingStore(options);
      try {
        const stats = readStats(store);
        process.stdout.write(options.json ? `${JSON.stringify({ languages: stats.languages, funnel: stats.funnel, yield: stats.yield }, null, 2)}\n` : `${stats.text}\n`);
      } finally {
        store.close();
      }
    });
}

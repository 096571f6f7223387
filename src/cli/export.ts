import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { exportFromStore } from '../pipeline/export-from-store.js';
import { lockRunState } from '../pipeline/run-pipeline.js';
import { ensureWritableDirectory } from '../pipeline/writable-directory.js';
import { addStoreOptions, openExistingStore, type StoreOptions } from './store-option.js';

function parseExportFormat(value: string): 'jsonl' | 'parquet' {
  if (value === 'jsonl' || value === 'parquet') return value;
  throw new InvalidArgumentError('expected jsonl or parquet.');
}

export function register(program: Command): void {
  addStoreOptions(
    program
      .command('export')
      .description('Write tasks.jsonl (SWE-bench), Multi-SWE-bench JSONL per repo, materialized git bundles and stats from the store.'),
  )
    .option('-o, --out <dir>', 'output directory (default: the config output directory)')
    .option('--lists-as-json-strings', 'write FAIL_TO_PASS / PASS_TO_PASS as JSON strings, as on dataset hubs')
    .option('--format <format>', 'jsonl, or parquet: also tasks.parquet (fixed column types) and a dataset card README.md for Hugging Face datasets', parseExportFormat, 'jsonl')
    .action(async (options: StoreOptions & { out?: string; listsAsJsonStrings?: boolean; format: 'jsonl' | 'parquet' }) => {
      const { store, outputDirectory, storePath } = await openExistingStore(options);
      let locks: ReturnType<typeof lockRunState> = [];
      try {
        const out = ensureWritableDirectory(options.out ?? outputDirectory ?? 'swe-mirror-out', 'The output directory');
        // A run writing the same store or directory would make the export inconsistent: refuse, naming it.
        locks = lockRunState({ storePath, outputDirectory: out, command: ['swe-mirror', ...process.argv.slice(2)].join(' ') });
        const result = await exportFromStore(store, out, { listsAsJsonStrings: options.listsAsJsonStrings ?? false, parquet: options.format === 'parquet' });
        process.stdout.write(`exported ${result.taskCount} tasks\n`);
        const parquetFiles = result.parquetFile && result.datasetCard ? [result.parquetFile, result.datasetCard] : [];
        for (const file of [result.sweBenchFile, ...parquetFiles, ...result.multiSweBenchFiles, ...result.bundles, ...result.gymSpecs, ...result.graders, ...result.statsFiles]) {
          process.stdout.write(`  ${path.relative(process.cwd(), file)}\n`);
        }
        process.stdout.write(`\n${result.stats.text}\n`);
      } finally {
        store.close();
        for (const lock of locks.reverse()) lock.release();
      }
    });
}

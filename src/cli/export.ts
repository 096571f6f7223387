import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { exportFromStore } from '../pipeline/export-from-store.js';
import { lockRunState } from '../pipeline/run-pipeline.js';
import { ensureWritableDirectory } from '../pipeline/writable-directory.js';
import { decideSandbox } from '../pipeline/sandbox-policy.js';
import type { StaleTaskPolicy } from '../pipeline/stale-tasks.js';
import { createLocalRuntime } from '../runtime/local.js';
import { addStoreOptions, openExistingStore, type StoreOptions } from './store-option.js';

function parseExportFormat(value: string): 'jsonl' | 'parquet' {
  if (value === 'jsonl' || value === 'parquet') return value;
  throw new InvalidArgumentError('expected jsonl or parquet.');
}

/** Re-verification runs LLM-written patches: the same sandbox rule as a run (DESIGN section 3, rule 5). */
async function reverifyPolicy(unsafeNoSandbox: boolean): Promise<StaleTaskPolicy> {
  const sandbox = await decideSandbox({ command: 'export --reverify', unsafeNoSandbox, isReplayedModel: false });
  return { reverify: { runtime: createLocalRuntime({ sandbox: sandbox.runtimeSandbox }), verify: { unsafeNoSandbox: sandbox.record.unsafeNoSandbox } } };
}

export function register(program: Command): void {
  addStoreOptions(
    program
      .command('export')
      .description('Write tasks.jsonl (SWE-bench), Multi-SWE-bench JSONL per repo, materialized git bundles and stats from the store.'),
  )
    .option('-o, --out <dir>', 'output directory (default: the config output directory)')
    .option('--lists-as-json-strings', 'write FAIL_TO_PASS / PASS_TO_PASS as JSON strings, as on dataset hubs')
    .option('--reverify', 'verify again, on the gym commit prepared now, the tasks verified on an older one (their gym spec changed); without it export refuses them')
    .option('--unsafe-no-sandbox', 'with --reverify: run even without a sandbox (bubblewrap); recorded in every re-verified task')
    .option('--format <format>', 'jsonl, or parquet: also tasks.parquet (fixed column types) and a dataset card README.md for Hugging Face datasets', parseExportFormat, 'jsonl')
    .action(async (options: StoreOptions & { out?: string; listsAsJsonStrings?: boolean; format: 'jsonl' | 'parquet'; reverify?: boolean; unsafeNoSandbox?: boolean }) => {
      const { store, outputDirectory, storePath } = await openExistingStore(options);
      let locks: ReturnType<typeof lockRunState> = [];
      try {
        const out = ensureWritableDirectory(options.out ?? outputDirectory ?? 'swe-mirror-out', 'The output directory');
        // A run writing the same store or directory would make the export inconsistent: refuse, naming it.
        locks = lockRunState({ storePath, outputDirectory: out, command: ['swe-mirror', ...process.argv.slice(2)].join(' ') });
        const stale = options.reverify ? await reverifyPolicy(options.unsafeNoSandbox ?? false) : 'refuse';
        const result = await exportFromStore(store, out, { listsAsJsonStrings: options.listsAsJsonStrings ?? false, parquet: options.format === 'parquet', stale });
        if (result.reverified) {
          process.stdout.write(`re-verified ${result.reverified.kept.length + result.reverified.dropped.length} task(s) on their gym's prepared commit: ${result.reverified.kept.length} still valid (exported on the new commit), ${result.reverified.dropped.length} no longer valid (not exported)\n`);
          for (const dropped of result.reverified.dropped) process.stdout.write(`  dropped ${dropped.instanceId}: ${dropped.reasons.join('; ').slice(0, 200)}\n`);
        }
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

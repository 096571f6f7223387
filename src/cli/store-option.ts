import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadRunConfig } from '../config/run-config.js';
import { SweMirrorError } from '../core/errors.js';
import { Store } from '../store/store.js';

export interface StoreOptions {
  config?: string;
  store?: string;
}

/** Add the `--config` / `--store` pair used by commands that read a store. */
export function addStoreOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', 'swe-mirror.yaml whose store to read')
    .option('--store <file>', 'SQLite store to read (wins over --config)');
}

/** Open the store named by --store, or the one of --config; it must already exist. */
export async function openExistingStore(options: StoreOptions): Promise<{ store: Store; storePath: string; outputDirectory?: string }> {
  let file = options.store;
  let outputDirectory: string | undefined;
  if (!file && options.config) {
    const loaded = await loadRunConfig(options.config);
    file = loaded.storePath;
    outputDirectory = loaded.outputDirectory;
  }
  if (!file) {
    throw new SweMirrorError({
      code: 'STORE_NOT_GIVEN',
      kind: 'user',
      message: 'No store given.',
      hint: 'Pass --config swe-mirror.yaml (the store of that run) or --store <file.sqlite>.',
    });
  }
  if (!existsSync(file)) {
    throw new SweMirrorError({
      code: 'STORE_NOT_FOUND',
      kind: 'user',
      message: `The store ${file} does not exist.`,
      hint: 'Run `swe-mirror run --config <file>` first, or check the path.',
    });
  }
  return { store: Store.open(file), storePath: path.resolve(file), ...(outputDirectory ? { outputDirectory } : {}) };
}

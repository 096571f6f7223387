import { readdirSync } from 'node:fs';
import { mkdtemp, rename } from 'node:fs/promises';
import path from 'node:path';
import { isProcessAlive } from '../core/processes.js';
import { removeScratch } from './layers.js';

/**
 * A run's scratch directory (its throw-away upper layers) under the temp root, named after this process.
 * Removal is off the run's critical path: the directory is renamed aside at once (a run never sees another's
 * leftovers) and deleted in the background. What a killed process left is deleted by the next one to start.
 */
const RUN_PREFIX = 'swe-mirror-run-';
const TRASH_PREFIX = 'swe-mirror-trash-';
const swept = new Set<string>();

export async function makeScratch(root: string): Promise<string> {
  if (!swept.has(root)) {
    swept.add(root);
    sweepLeftovers(root);
  }
  return mkdtemp(path.join(root, `${RUN_PREFIX}${process.pid}-`));
}

/** Rename the scratch aside and delete it in the background; a failed rename deletes it in place. */
export async function discardScratch(directory: string): Promise<void> {
  const trash = path.join(path.dirname(directory), `${TRASH_PREFIX}${process.pid}-${path.basename(directory).slice(RUN_PREFIX.length)}`);
  try {
    await rename(directory, trash);
  } catch {
    await removeScratch(directory);
    return;
  }
  void removeScratch(trash).catch(() => undefined);
}

function sweepLeftovers(root: string): void {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return;
  }
  for (const entry of entries) {
    const owner = new RegExp(`^(?:${RUN_PREFIX}|${TRASH_PREFIX})(\\d+)-`).exec(entry)?.[1];
    if (owner !== undefined && !isProcessAlive(Number(owner))) void removeScratch(path.join(root, entry)).catch(() => undefined);
  }
}

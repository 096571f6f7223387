import { cp, mkdir, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { resetWorkingCopy } from './reset.js';
import type { PreparedGym } from './types.js';

/** Path of a slot's working copy: slot 0 is the primary one, slot N lives under copies/N. */
export function workingCopyPath(gym: PreparedGym, slot: number): string {
  return slot === 0 ? gym.workdir : path.join(gym.directory, 'copies', String(slot));
}

/** A working copy for parallel slot `slot`, copied once from the prepared one (installed artefacts included) and reset to the gym commit. */
export async function acquireWorkingCopy(gym: PreparedGym, slot: number): Promise<string> {
  if (!Number.isInteger(slot) || slot < 0) throw new RangeError(`slot must be a non-negative integer, got ${slot}`);
  const target = workingCopyPath(gym, slot);
  if (slot === 0 || existsSync(target)) return target;
  await mkdir(path.dirname(target), { recursive: true });
  // Copy beside the target, then rename: a half-made copy is never mistaken for a finished one.
  const staging = `${target}.staging-${process.pid}-${Date.now()}`;
  await cp(gym.workdir, staging, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  try {
    await rename(staging, target);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    if (!existsSync(target)) throw error;
  }
  await resetWorkingCopy(target, gym.commit);
  return target;
}

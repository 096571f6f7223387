import { cp, mkdir, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { tryExclusiveLock } from '../store/exclusive-lock.js';
import { findIntegrityProblems } from './integrity.js';
import { resetGymWorkingCopy } from './reset.js';
import type { PreparedGym } from './types.js';

/**
 * Working copies are copies of the prepared tree (`gym.workdir`), which nobody edits or runs in
 * after preparation: copying from it can never race with a reset or a patch. Each copy is used by
 * one holder at a time, through a lease (an exclusive kernel file lock), across processes as well
 * as within one.
 */
export interface WorkingCopyLease {
  /** The working copy: a git repository at the gym commit, install artefacts included. */
  workdir: string;
  slot: number;
  /** Reset the copy to the gym commit and give it back. Idempotent. */
  release(): Promise<void>;
}

/** Path of a slot's working copy under copies/N. */
export function workingCopyPath(gym: PreparedGym, slot: number): string {
  return path.join(gym.directory, 'copies', String(slot));
}

/** Lease a free working copy of the gym (the lowest free slot), making it on first use. */
export async function leaseWorkingCopy(gym: PreparedGym): Promise<WorkingCopyLease> {
  for (let slot = 0; ; slot += 1) {
    const target = workingCopyPath(gym, slot);
    await mkdir(path.dirname(target), { recursive: true });
    // A kernel file lock: free again the moment its holder dies, so there is never a stale lease to break.
    const held = tryExclusiveLock(`${target}.lease`, `working copy ${target}`);
    if (!held) continue;
    const unlock = async (): Promise<void> => {
      held.close();
    };
    let released = false;
    try {
      await materializeCopy(gym, target);
      // Nothing a run writes reaches a copy, but a copy made by an older version, or touched by hand, is made anew.
      if ((await findIntegrityProblems(target)).length > 0) {
        await removeTree(target);
        await materializeCopy(gym, target);
      }
      await resetGymWorkingCopy(gym, target);
    } catch (error) {
      await unlock();
      throw error;
    }
    return {
      workdir: target,
      slot,
      release: async () => {
        if (released) return;
        released = true;
        try {
          await resetGymWorkingCopy(gym, target);
        } finally {
          await unlock();
        }
      },
    };
  }
}

/** Run `work` with a leased working copy, released (reset) afterwards whatever happens. */
export async function withWorkingCopy<T>(gym: PreparedGym, work: (workdir: string) => Promise<T>): Promise<T> {
  const lease = await leaseWorkingCopy(gym);
  try {
    return await work(lease.workdir);
  } finally {
    await lease.release();
  }
}

async function removeTree(directory: string): Promise<void> {
  await rm(directory, { recursive: true, force: true });
}

async function materializeCopy(gym: PreparedGym, target: string): Promise<void> {
  if (existsSync(target)) return;
  await mkdir(path.dirname(target), { recursive: true });
  // Copy beside the target, then rename: a half-made copy is never mistaken for a finished one.
  const staging = `${target}.staging-${process.pid}-${Date.now()}`;
  try {
    await cp(gym.workdir, staging, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    await rename(staging, target);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

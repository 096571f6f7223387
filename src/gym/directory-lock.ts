import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SweMirrorError } from '../core/errors.js';
import { isProcessAlive as isAlive } from '../core/processes.js';

const POLL_MS = 250;


/** Hold an exclusive lock (a directory holding the owner's pid) while `work` runs; stale locks of dead processes are broken. */
export async function withDirectoryLock<T>(lockPath: string, waitLimitMs: number, work: () => Promise<T>): Promise<T> {
  const startedAt = Date.now();
  await mkdir(path.dirname(lockPath), { recursive: true });
  for (;;) {
    try {
      await mkdir(lockPath);
      await writeFile(path.join(lockPath, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(await readFile(path.join(lockPath, 'pid'), 'utf8').catch(() => ''));
      // No pid yet means the owner is between mkdir and writeFile: wait, unless that lasts.
      if ((owner > 0 && !isAlive(owner)) || (!owner && Date.now() - startedAt > 10_000)) {
        await rm(lockPath, { recursive: true, force: true });
        continue;
      }
      if (Date.now() - startedAt > waitLimitMs) {
        throw new SweMirrorError({
          code: 'GYM_LOCKED',
          kind: 'infrastructure',
          message: `Another swe-mirror process (pid ${owner}) has held ${lockPath} for over ${Math.round(waitLimitMs / 1000)} s.`,
          hint: `Wait for it to finish, or remove ${lockPath} if that process is gone.`,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
  try {
    return await work();
  } finally {
    await rm(lockPath, { recursive: true, force: true });
  }
}

import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { SweMirrorError } from '../core/errors.js';

/**
 * Write a file all-or-nothing: text or bytes go to a temp file beside the target, fsync'd, then renamed.
 * On any failure (disk full included) the temp file is removed and the target is untouched.
 */
export async function writeFileAtomically(target: string, chunks: Iterable<string | Uint8Array>): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(4).toString('hex')}.partial`);
  try {
    const handle = await open(temporary, 'w');
    try {
      for (const chunk of chunks) await (typeof chunk === 'string' ? handle.write(chunk) : handle.write(chunk));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
  } catch (cause) {
    await rm(temporary, { force: true });
    const code = (cause as NodeJS.ErrnoException).code;
    throw new SweMirrorError({
      code: code === 'ENOSPC' ? 'EXPORT_DISK_FULL' : 'EXPORT_WRITE_FAILED',
      kind: code === 'ENOSPC' ? 'infrastructure' : 'user',
      message: `Could not write ${target}: ${code === 'ENOSPC' ? 'the disk is full' : (cause as Error).message}. Nothing was written there.`,
      hint: code === 'ENOSPC' ? 'Free some space (or choose another --out) and run the export again.' : 'Check the output path and its permissions.',
      cause,
    });
  }
}

/** Serialize records as JSONL lines. */
export function* toJsonLines(records: Iterable<unknown>): Iterable<string> {
  for (const record of records) yield `${JSON.stringify(record)}\n`;
}

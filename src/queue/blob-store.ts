import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { SweMirrorError } from '../core/errors.js';

/** The largest file a job may carry through Redis (a gym bundle, a spec); bigger ones need a git URL. */
export const MAX_BLOB_BYTES = 256 * 1024 * 1024;

function blobKey(prefix: string, hash: string): string {
  return `${prefix}:blob:${hash}`;
}

/**
 * Put a file's bytes in Redis under their sha256, once (SET NX): what a job needs from the coordinator's
 * disk (an exported gym's spec and bundle) then travels with the job, so workers need no shared path.
 */
export async function putBlob(redis: Redis, prefix: string, file: string): Promise<string> {
  const size = (await stat(file)).size;
  if (size > MAX_BLOB_BYTES) {
    throw new SweMirrorError({
      code: 'QUEUE_BLOB_TOO_LARGE',
      kind: 'user',
      message: `${file} is ${(size / 1024 / 1024).toFixed(0)} MiB, more than the ${MAX_BLOB_BYTES / 1024 / 1024} MiB a queue job may carry through Redis.`,
      hint: 'Give the gym a git URL as its repo (workers clone it), or evaluate without --queue.',
    });
  }
  const bytes = await readFile(file);
  const hash = createHash('sha256').update(bytes).digest('hex');
  await redis.set(blobKey(prefix, hash), bytes, 'NX');
  return hash;
}

/** Write the blob `hash` to `file` unless it is already there (cached per worker); refuses bytes that do not match their hash. */
export async function fetchBlob(redis: Redis, prefix: string, hash: string, file: string): Promise<void> {
  if (existsSync(file)) return;
  const bytes = await redis.getBuffer(blobKey(prefix, hash));
  if (!bytes || createHash('sha256').update(bytes).digest('hex') !== hash) {
    throw new SweMirrorError({
      code: 'QUEUE_BLOB_MISSING',
      kind: 'infrastructure',
      message: `The queue's Redis holds no intact file ${hash.slice(0, 16)}… that this job needs (was Redis emptied?).`,
      hint: 'Run the coordinator command again: it puts the files its jobs need back into Redis.',
    });
  }
  await mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  await writeFile(partial, bytes);
  await rename(partial, file);
}

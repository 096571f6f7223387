import { execFile } from 'node:child_process';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { SweMirrorError } from '../core/errors.js';

const run = promisify(execFile);

/** Left out of a packed gym source: what prepareGym skips in a local directory anyway (caches, installs). */
const LEFT_OUT = ['node_modules', 'target', '.venv', 'venv', '__pycache__', '.pytest_cache'];

/**
 * Pack a gym's local source directory into one tar file, byte for byte the same for the same content
 * (sorted names, no times, owners or permission bits beyond executable), so its sha256 (and the job id built on it) follows the content.
 * A git repository's .git goes along: the worker's prepareGym then sees the same commits.
 */
export async function packDirectory(directory: string, tarFile: string): Promise<void> {
  await mkdir(path.dirname(tarFile), { recursive: true });
  // Modes normalised but for the executable bits: a folder made by mkdtemp (0700) or by cp (0755) packs the same.
  const args = ['-C', directory, '--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '--mode=u+rwX,go+rX,go-w', ...LEFT_OUT.map((name) => `--exclude=${name}`), '-cf', tarFile, '.'];
  try {
    await run('tar', args, { maxBuffer: 16 * 1024 * 1024 });
  } catch (cause) {
    throw new SweMirrorError({
      code: 'QUEUE_GYM_PACK_FAILED',
      kind: 'user',
      message: `Cannot pack the gym source ${directory} for the queue: ${(cause as Error).message.split('\n')[0]}`,
      hint: 'The directory must be readable and GNU tar on PATH; or give the gym a git URL as its repo, or verify without --queue.',
      cause,
    });
  }
}

/** Unpack a tar written by packDirectory into `directory` (replacing a partial earlier unpack). */
export async function unpackDirectory(tarFile: string, directory: string): Promise<void> {
  const partial = `${directory}.${process.pid}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  await run('tar', ['-C', partial, '-xf', tarFile]);
  await rm(directory, { recursive: true, force: true });
  await rename(partial, directory);
}

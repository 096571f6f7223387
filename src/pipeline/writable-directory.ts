import { accessSync, constants, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SweMirrorError } from '../core/errors.js';

function refuse(message: string, cause?: unknown): never {
  throw new SweMirrorError({
    code: 'DIRECTORY_NOT_WRITABLE',
    kind: 'user',
    message,
    hint: 'Choose a directory you can write to (--out, or `output:` / `store:` in the config), or fix its permissions.',
    ...(cause === undefined ? {} : { cause }),
  });
}

function explain(code: string | undefined): string {
  switch (code) {
    case 'EROFS':
      return 'it is on a read-only file system';
    case 'EACCES':
    case 'EPERM':
      return 'you may not write there';
    case 'ENOSPC':
      return 'the disk is full';
    default:
      return code ?? 'unknown error';
  }
}

/**
 * Make sure `directory` exists (creating it) and can be written, or refuse with one clear line.
 * Checks the nearest existing ancestor first: Node's recursive mkdir reports a read-only file
 * system as ENOENT, which would read as "missing".
 */
export function ensureWritableDirectory(directory: string, what: string): string {
  const absolute = path.resolve(directory);
  let existing = absolute;
  while (!existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  if (!statSync(existing).isDirectory()) {
    refuse(`${what} ${absolute} cannot be ${existing === absolute ? 'used' : 'created'}: ${existing} is a file, not a directory.`);
  }
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch (cause) {
    refuse(`${what} ${absolute} cannot be ${existing === absolute ? 'written' : 'created'}: ${explain((cause as NodeJS.ErrnoException).code)} (${existing}).`, cause);
  }
  try {
    mkdirSync(absolute, { recursive: true });
    // access() can say yes where a write still fails (some network and overlay file systems).
    const probe = path.join(absolute, `.swe-mirror-write-probe-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (cause) {
    refuse(`${what} ${absolute} cannot be written: ${explain((cause as NodeJS.ErrnoException).code)}.`, cause);
  }
  return absolute;
}

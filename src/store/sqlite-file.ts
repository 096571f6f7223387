import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { SweMirrorError } from '../core/errors.js';

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Refuse a store path that exists but is not an SQLite database (or not a file), with one clear line,
 * before SQLite answers "file is not a database" from deep inside a pragma. A missing or empty file is
 * fine: SQLite creates the database there.
 */
export function assertSqliteFileOrAbsent(file: string): void {
  if (file === ':memory:') return;
  let size: number;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) {
      throw new SweMirrorError({
        code: 'STORE_NOT_SQLITE',
        kind: 'user',
        message: `The store ${file} is not a file${stat.isDirectory() ? ' but a directory' : ''}.`,
        hint: 'Point --store (or `store:` in the config) at an SQLite file, e.g. <output>/state.sqlite.',
      });
    }
    size = stat.size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (size === 0) return;
  const header = Buffer.alloc(SQLITE_HEADER.length);
  const descriptor = openSync(file, 'r');
  try {
    readSync(descriptor, header, 0, header.length, 0);
  } finally {
    closeSync(descriptor);
  }
  if (!header.equals(SQLITE_HEADER)) {
    throw new SweMirrorError({
      code: 'STORE_NOT_SQLITE',
      kind: 'user',
      message: `The store ${file} is not an SQLite database (it does not start with the SQLite header).`,
      hint: 'Point --store (or `store:` in the config) at the state.sqlite a `swe-mirror run` wrote, or at a path that does not exist yet.',
    });
  }
}

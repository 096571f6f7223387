import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import Database from 'better-sqlite3';
import { SweMirrorError } from '../core/errors.js';

/** Who holds a lock, as written beside it for the message a second process shows. */
export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  since: string;
}

export interface HeldLock {
  file: string;
  /** Give the lock back (also done by the operating system when the process dies). */
  release(): void;
}

const HOLDER_SUFFIX = '.holder.json';
/** How long a contender waits for a fresh holder to write its details before naming it unknown. */
const HOLDER_WAIT_MS = 500;

function holderFile(file: string): string {
  return `${file}${HOLDER_SUFFIX}`;
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const value = JSON.parse(readFileSync(holderFile(file), 'utf8')) as Partial<LockHolder>;
    if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.command === 'string' && typeof value.since === 'string') {
      return value as LockHolder;
    }
  } catch {
    // Missing or half-written: treated as unknown.
  }
  return undefined;
}

function isAliveHere(holder: LockHolder): boolean {
  if (holder.host !== os.hostname()) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function describeHolder(holder: LockHolder | undefined): string {
  if (!holder) return 'another swe-mirror process (it has not written its details)';
  const minutes = Math.max(0, Math.round((Date.now() - Date.parse(holder.since)) / 60_000));
  return `pid ${holder.pid} on ${holder.host}, running \`${holder.command}\`, since ${holder.since} (${minutes} min ago)`;
}

function sleep(milliseconds: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, milliseconds);
}

/**
 * Take an exclusive lock on `file`, or refuse (LOCKED, a user error) naming the holder.
 *
 * The lock is an SQLite database held in exclusive locking mode: the operating system's file lock,
 * which dies with its process, so a lock left by a killed process is free again without anyone
 * deciding it is stale. The holder's pid, host, command and start time are written beside it.
 */
/**
 * Take the exclusive lock on `file` if it is free, without waiting: the open database when taken, undefined when
 * another connection (of this or another process) holds it. Throws LOCK_UNAVAILABLE when the file cannot be a lock.
 */
export function tryExclusiveLock(file: string, what: string): Database.Database | undefined {
  let database: Database.Database;
  try {
    database = new Database(file, { timeout: 0 });
  } catch (cause) {
    throw new SweMirrorError({
      code: 'LOCK_UNAVAILABLE',
      kind: 'user',
      message: `Cannot create the lock ${file} for ${what}: ${(cause as Error).message}.`,
      hint: 'The directory must exist and be writable; check its path and permissions.',
      cause,
    });
  }
  try {
    database.pragma('journal_mode = DELETE');
    database.pragma('locking_mode = EXCLUSIVE');
    // The first write takes the exclusive lock; locking_mode EXCLUSIVE keeps it until close.
    database.exec('BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS lock (id INTEGER PRIMARY KEY); COMMIT;');
    return database;
  } catch (cause) {
    database.close();
    if ((cause as { code?: string }).code === 'SQLITE_BUSY') return undefined;
    throw new SweMirrorError({
      code: 'LOCK_UNAVAILABLE',
      kind: 'user',
      message: `Cannot take the lock ${file} for ${what}: ${(cause as Error).message}.`,
      hint: 'Remove the file if it is not a swe-mirror lock, or check the directory permissions.',
      cause,
    });
  }
}

/**
 * Take an exclusive lock on `file`, or refuse (LOCKED, a user error) naming the holder.
 *
 * The lock is an SQLite database held in exclusive locking mode: the operating system's file lock,
 * which dies with its process, so a lock left by a killed process is free again without anyone
 * deciding it is stale. The holder's pid, host, command and start time are written beside it.
 */
export function acquireExclusiveLock(file: string, options: { what: string; command: string }): HeldLock {
  const database = tryExclusiveLock(file, options.what);
  if (!database) {
    let holder = readHolder(file);
    const deadline = Date.now() + HOLDER_WAIT_MS;
    // The holder may have just taken the lock, behind a dead predecessor's details.
    while ((!holder || !isAliveHere(holder)) && Date.now() < deadline) {
      sleep(50);
      holder = readHolder(file);
    }
    throw new SweMirrorError({
      code: 'LOCKED',
      kind: 'user',
      message: `${options.what} is in use by ${describeHolder(holder && isAliveHere(holder) ? holder : undefined)}.`,
      hint: 'Wait for that run to finish, or stop it; a lock of a process that died is released by the system, so there is nothing to delete.',
      details: { file, ...(holder ? { holder } : {}) },
    });
  }
  const holder: LockHolder = { pid: process.pid, host: os.hostname(), command: options.command, since: new Date().toISOString() };
  const staging = `${holderFile(file)}.${process.pid}`;
  writeFileSync(staging, `${JSON.stringify(holder)}\n`);
  renameSync(staging, holderFile(file));
  let released = false;
  return {
    file,
    release() {
      if (released) return;
      released = true;
      rmSync(holderFile(file), { force: true });
      database.close();
    },
  };
}

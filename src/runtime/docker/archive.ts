import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';

/**
 * A tar stream of `files` (paths relative to `root`), read from the host: regular files with their mode, symlinks as
 * symlinks (never followed, so a link cannot pull a host file into the archive), directories as directories.
 * Entries that vanished or are something else (sockets, devices) are skipped. Names are put under `prefix`.
 */
export function packFiles(root: string, files: readonly string[], prefix = ''): NodeJS.ReadableStream {
  const pack = tar.pack();
  void (async () => {
    try {
      for (const file of files) {
        const absolute = path.join(root, file);
        const stats = await lstat(absolute).catch(() => undefined);
        if (!stats) continue;
        const header = { name: path.posix.join(prefix, file.split(path.sep).join('/')), mode: stats.mode & 0o7777, mtime: stats.mtime, uid: 0, gid: 0 };
        if (stats.isSymbolicLink()) pack.entry({ ...header, type: 'symlink', linkname: await readlink(absolute) });
        else if (stats.isDirectory()) pack.entry({ ...header, type: 'directory' });
        else if (stats.isFile()) {
          const entry = pack.entry({ ...header, type: 'file', size: stats.size });
          await pipeline(createReadStream(absolute), entry);
        }
      }
      pack.finalize();
    } catch (error) {
      pack.destroy(error as Error);
    }
  })();
  // tar-stream's pack is a streamx Readable: pipe() and events as Node's, which is all the Docker client uses.
  return pack as unknown as NodeJS.ReadableStream;
}

/** Every path under `root` (directories before their contents), relative to it, sorted; `exclude` names are skipped at any depth. */
export async function listTree(root: string, exclude: ReadonlySet<string> = new Set()): Promise<string[]> {
  const found: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(path.join(root, relative), { withFileTypes: true });
    for (const entry of entries.sort((left, right) => (left.name < right.name ? -1 : 1))) {
      if (exclude.has(entry.name)) continue;
      const child = relative === '' ? entry.name : path.join(relative, entry.name);
      found.push(child);
      if (entry.isDirectory()) await walk(child);
    }
  };
  await walk('');
  return found;
}

/**
 * The first entry of a tar stream (what the archive API returns for one path), if it is a regular file of at most
 * `limitBytes`; undefined for a directory, a symlink (a report symlinked elsewhere is not followed) or a larger file.
 */
export async function readSingleFile(archive: NodeJS.ReadableStream, limitBytes: number): Promise<Buffer | undefined> {
  const extract = tar.extract();
  let content: Buffer | undefined;
  let isFirst = true;
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const wanted = isFirst && header.type === 'file' && (header.size ?? 0) <= limitBytes;
    isFirst = false;
    stream.on('data', (data: unknown) => {
      const chunk = data as Buffer;
      size += chunk.length;
      if (wanted && size <= limitBytes) chunks.push(chunk);
    });
    stream.on('end', () => {
      if (wanted && size <= limitBytes) content = Buffer.concat(chunks);
      next();
    });
    stream.resume();
  });
  await pipeline(archive, extract);
  return content;
}

/** The first entry of a tar stream, whatever its type: what a copy back to the host needs. */
export interface ArchiveEntry {
  type: 'file' | 'directory' | 'symlink' | 'other';
  mode: number;
  content?: Buffer;
  linkname?: string;
}

/** Read the first entry of a tar stream (a file's content only up to `limitBytes`; a larger file is 'other'). */
export async function readFirstEntry(archive: NodeJS.ReadableStream, limitBytes: number): Promise<ArchiveEntry | undefined> {
  const extract = tar.extract();
  let found: ArchiveEntry | undefined;
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const isFirst = found === undefined;
    stream.on('data', (data: unknown) => {
      const chunk = data as Buffer;
      size += chunk.length;
      if (isFirst && header.type === 'file' && size <= limitBytes) chunks.push(chunk);
    });
    stream.on('end', () => {
      if (isFirst) {
        const mode = (header.mode ?? 0o644) & 0o7777;
        if (header.type === 'file') found = size <= limitBytes ? { type: 'file', mode, content: Buffer.concat(chunks) } : { type: 'other', mode };
        else if (header.type === 'directory') found = { type: 'directory', mode };
        else if (header.type === 'symlink') found = { type: 'symlink', mode, linkname: header.linkname ?? '' };
        else found = { type: 'other', mode };
      }
      next();
    });
    stream.resume();
  });
  await pipeline(archive, extract);
  return found;
}

/** A file written as the first entry of a combined archive (the start script of a run in a started container). */
export interface ArchiveFile {
  name: string;
  content: string;
  mode: number;
}

/**
 * One tar stream: `first`, then the entries of each archive, renamed under its directory (relative to /), in order:
 * what the archive API would have extracted at each directory, as one stream that tar can extract at /.
 */
export function combineArchives(first: ArchiveFile, archives: { directory: string; archive: () => NodeJS.ReadableStream }[]): NodeJS.ReadableStream {
  const pack = tar.pack();
  void (async () => {
    try {
      pack.entry({ name: first.name, mode: first.mode, uid: 0, gid: 0, mtime: new Date() }, first.content);
      for (const { directory, archive } of archives) {
        const base = directory.replace(/^\/+/, '');
        const extract = tar.extract();
        extract.on('entry', (header, stream, next) => {
          const renamed = { ...header, name: path.posix.join(base, header.name) };
          if (header.type === 'file') {
            pipeline(stream, pack.entry(renamed)).then(() => next(), next);
            return;
          }
          pack.entry(renamed);
          stream.on('end', () => next());
          stream.resume();
        });
        await pipeline(archive(), extract);
      }
      pack.finalize();
    } catch (error) {
      pack.destroy(error as Error);
    }
  })();
  return pack as unknown as NodeJS.ReadableStream;
}

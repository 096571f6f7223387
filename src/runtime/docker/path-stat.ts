import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import tar from 'tar-stream';

/** Go's os.FileMode bits, as the archive API's path stat reports them. */
const MODE_DIRECTORY = 2 ** 31;
const MODE_SYMLINK = 2 ** 27;

/**
 * What the archive API's HEAD request says of one path of a container (header `x-docker-container-path-stat`).
 * Both engines report the path itself (a symlink is a symlink); `linkTarget` is the link fully resolved inside the
 * container (an absolute path, not the link's text), and Podman names a symlink after its target.
 */
export interface ContainerPathStat {
  mode: number;
  size: number;
  linkTarget: string;
  isDirectory: boolean;
  isSymlink: boolean;
}

/** The stat of `containerPath`; undefined when it is absent (Podman: also a dangling symlink) or the engine says nothing. */
export async function statContainerPath(container: Docker.Container, containerPath: string): Promise<ContainerPathStat | undefined> {
  const info = (await container.infoArchive({ path: containerPath }).catch(() => undefined)) as { headers?: Record<string, string | undefined>; resume?: () => void } | undefined;
  info?.resume?.();
  const header = info?.headers?.['x-docker-container-path-stat'];
  if (!header) return undefined;
  const parsed = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as { mode?: number; size?: number; linkTarget?: string };
  const mode = parsed.mode ?? 0;
  // The mode is a Go FileMode up to 2^32: test bits by division, not with 32-bit bitwise operators.
  const hasBit = (bit: number): boolean => Math.floor(mode / bit) % 2 === 1;
  const isSymlink = hasBit(MODE_SYMLINK);
  return { mode, size: parsed.size ?? 0, linkTarget: parsed.linkTarget ?? '', isSymlink, isDirectory: !isSymlink && hasBit(MODE_DIRECTORY) };
}

/**
 * The text of the symlink at `containerPath` (what readlink would print), or undefined when it is not a symlink.
 * Docker's GET archive of a symlink holds the link itself; Podman's follows it (and refuses a dangling one), so the
 * link is then read from the archive of its parent directory, which keeps the links inside it as links (read only up
 * to the entry). Ask only for a path whose stat says symlink, or that has no stat (a dangling link on Podman).
 */
export async function readContainerSymlink(container: Docker.Container, containerPath: string): Promise<string | undefined> {
  const own = await findArchiveEntry(container, containerPath);
  if (own?.type === 'symlink') return own.linkname;
  const wanted = path.posix.basename(containerPath);
  const inParent = await findArchiveEntry(container, `${path.posix.dirname(containerPath)}/.`, wanted);
  return inParent?.type === 'symlink' ? inParent.linkname : undefined;
}

/** The entry named `wanted` (without a leading ./ or trailing /) of the archive of `containerPath`, or its first entry; the rest is not read. */
async function findArchiveEntry(container: Docker.Container, containerPath: string, wanted?: string): Promise<{ type: string; linkname: string } | undefined> {
  const archive = await container.getArchive({ path: containerPath }).catch(() => undefined);
  if (!archive) return undefined;
  const extract = tar.extract();
  let found: { type: string; linkname: string } | undefined;
  extract.on('entry', (header, stream, next) => {
    const name = header.name.replace(/^\.\//, '').replace(/\/+$/, '');
    if (wanted === undefined || name === wanted) {
      found = { type: header.type ?? 'file', linkname: header.linkname ?? '' };
      stream.resume();
      // Found: the rest of the archive (a whole workspace, for a link at its root) is not read.
      extract.destroy();
      return;
    }
    stream.on('end', () => next());
    stream.resume();
  });
  await pipeline(archive, extract).catch(() => undefined);
  (archive as { destroy?: () => void }).destroy?.();
  return found;
}

import { lstat, mkdir, rm, symlink, writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { runGit } from '../../core/git.js';
import { listTree, readFirstEntry } from './archive.js';
import { readContainerSymlink, statContainerPath } from './path-stat.js';
import type { WorkingCopyChanges } from './working-copy-changes.js';

/** Where a workspace's own .git waits in the container until the start script puts it in place of the image's. */
export const STAGED_GIT_DIRECTORY = '.swe-mirror-git';
const FILE_LIMIT_BYTES = 64 * 1024 * 1024;
/** Loose objects from which a workspace's .git is packed before it is copied into a container. */
const LOOSE_OBJECTS_TO_PACK = 256;

/**
 * Pack a workspace's loose objects when there are many: an agent workspace's one commit leaves one file per blob
 * and tree, and its .git is copied into every command's container (then extracted, listed and removed with it).
 * The same objects, in one pack: git in the container sees the same repository.
 */
export async function packLooseObjects(workspace: string): Promise<void> {
  const counts = await runGit(workspace, ['count-objects', '-v']);
  const loose = Number(/^count: (\d+)$/m.exec(counts)?.[1] ?? 0);
  if (loose >= LOOSE_OBJECTS_TO_PACK) await runGit(workspace, ['repack', '-a', '-d', '-q']);
}

/**
 * What a host workspace (an agent's repository: its own git history, not the gym's) holds beyond `baseCommit`, the
 * commit the image's workdir holds, compared by content with that commit's tree in `baseRepository`. Symlinks always
 * travel; `.git` never (it is staged whole).
 */
export async function listWorkspaceChanges(workspace: string, baseRepository: string, baseCommit: string): Promise<WorkingCopyChanges> {
  const tree = new Map<string, { mode: string; hash: string }>();
  for (const entry of (await runGit(baseRepository, ['ls-tree', '-r', '-z', '--full-tree', baseCommit])).split('\0')) {
    const match = /^(\d+) \w+ ([0-9a-f]+)\t(.*)$/s.exec(entry);
    if (match) tree.set(match[3] as string, { mode: match[1] as string, hash: match[2] as string });
  }
  const present = new Set<string>();
  const written: string[] = [];
  const regular: { file: string; mode: string }[] = [];
  for (const file of await listTree(workspace, new Set(['.git']))) {
    const stats = await lstat(path.join(workspace, file)).catch(() => undefined);
    if (!stats || stats.isDirectory()) continue;
    present.add(file);
    if (stats.isFile() && !file.includes('\n')) regular.push({ file, mode: stats.mode & 0o111 ? '100755' : '100644' });
    else written.push(file);
  }
  const hashes = regular.length === 0 ? [] : (await runGit(workspace, ['hash-object', '--no-filters', '--stdin-paths'], { input: `${regular.map((entry) => entry.file).join('\n')}\n` })).trim().split('\n');
  regular.forEach((entry, index) => {
    const base = tree.get(entry.file);
    if (!base || base.hash !== hashes[index] || base.mode !== entry.mode) written.push(entry.file);
  });
  const deleted = [...tree.keys()].filter((file) => !present.has(file));
  return { written: written.sort(), deleted: deleted.sort() };
}

/**
 * Copy what a stopped container changed under `target` back into the host directory `source` (an agent's writable
 * workspace): deletions, then files, symlinks and directories in path order. `.git` is never copied back, and nothing
 * is written through a symlink or outside `source` (a parent that is not a real directory skips the path).
 */
export async function copyContainerChangesBack(container: Docker.Container, target: string, source: string): Promise<void> {
  // Podman answers a container without changes with `null`, not as JSON (so as bytes).
  const listed = (await container.changes()) as unknown;
  const changes = (Array.isArray(listed) ? listed : []) as { Path: string; Kind: number }[];
  const relevant = changes
    .map((change) => ({ kind: change.Kind, relative: path.posix.relative(target, change.Path) }))
    .filter(({ relative }) => relative !== '' && !relative.startsWith('..') && !path.posix.isAbsolute(relative))
    .filter(({ relative }) => { const first = relative.split('/')[0]; return first !== '.git' && first !== STAGED_GIT_DIRECTORY; })
    .sort((left, right) => (left.relative < right.relative ? -1 : 1));
  for (const { relative } of relevant.filter((change) => change.kind === 2)) {
    if (await hasRealParents(source, relative, false)) await rm(path.join(source, relative), { recursive: true, force: true });
  }
  for (const { relative } of relevant.filter((change) => change.kind !== 2)) {
    if (!(await hasRealParents(source, relative, true))) continue;
    const containerPath = path.posix.join(target, relative);
    const stat = await statContainerPath(container, containerPath);
    // A symlink is copied as its text (Podman's archive of it follows it; a dangling one has no stat there).
    const linkText = !stat || stat.isSymlink ? await readContainerSymlink(container, containerPath) : undefined;
    if (!stat && linkText === undefined) continue;
    const hostPath = path.join(source, relative);
    const existing = await lstat(hostPath).catch(() => undefined);
    if (linkText !== undefined) {
      if (existing) await rm(hostPath, { recursive: true, force: true });
      await symlink(linkText, hostPath);
      continue;
    }
    if (stat?.isSymlink) continue;
    if (stat?.isDirectory) {
      if (existing && !existing.isDirectory()) await rm(hostPath, { force: true });
      await mkdir(hostPath, { recursive: true });
      continue;
    }
    const archive = await container.getArchive({ path: containerPath }).catch(() => undefined);
    const entry = archive ? await readFirstEntry(archive, FILE_LIMIT_BYTES).catch(() => undefined) : undefined;
    if (!entry || entry.type !== 'file') continue;
    if (existing) await rm(hostPath, { recursive: true, force: true });
    await writeFile(hostPath, entry.content ?? Buffer.alloc(0), { mode: entry.mode & 0o777 });
    await chmod(hostPath, entry.mode & 0o777);
  }
}

/** Whether every parent of `relative` under `root` is a real directory (not a symlink); missing ones are made when `create`. */
async function hasRealParents(root: string, relative: string, create: boolean): Promise<boolean> {
  const parts = relative.split('/').slice(0, -1);
  let current = root;
  for (const part of parts) {
    current = path.join(current, part);
    const stats = await lstat(current).catch(() => undefined);
    if (!stats) {
      if (!create) return false;
      await mkdir(current);
    } else if (!stats.isDirectory() || stats.isSymbolicLink()) return false;
  }
  return true;
}

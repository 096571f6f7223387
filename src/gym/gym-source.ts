import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { LoadedGymSpec } from '../config/load-gym-spec.js';
import { DETERMINISTIC_COMMIT_ENVIRONMENT, runGit } from './git-command.js';

/** Build artefacts never copied from, nor hashed in, a plain-directory gym. */
const ARTEFACT_DIRECTORIES = new Set(['.git', 'node_modules', 'target', '.venv', 'venv', '__pycache__', '.pytest_cache']);

export type GymSourceKind = 'remote' | 'local-git' | 'local-directory';

/** Whether the spec's repo is a URL, a local git repository or a plain directory. */
export function classifyGymSource(loaded: LoadedGymSpec): GymSourceKind {
  if (loaded.isRemote) return 'remote';
  return existsSync(path.join(loaded.repoLocation, '.git')) ? 'local-git' : 'local-directory';
}

async function listFiles(root: string, relative = ''): Promise<string[]> {
  const entries = await readdir(path.join(root, relative), { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((left, right) => (left.name < right.name ? -1 : 1))) {
    if (ARTEFACT_DIRECTORIES.has(entry.name)) continue;
    const child = path.join(relative, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(root, child)));
    else files.push(child);
  }
  return files;
}

/** Hash of a plain directory's files (names, executable bits, contents), so editing a fixture invalidates the cache. */
export async function hashDirectoryContents(root: string): Promise<string> {
  const hash = createHash('sha256');
  for (const file of await listFiles(root)) {
    const absolute = path.join(root, file);
    const info = await stat(absolute).catch(() => undefined);
    hash.update(`${file}\0${info && info.mode & 0o111 ? 'x' : '-'}\0`);
    hash.update(info?.isFile() ? await readFile(absolute) : '');
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** Cache key of a gym: the spec text plus what its local source currently holds. */
export async function computeSpecHash(loaded: LoadedGymSpec): Promise<string> {
  const hash = createHash('sha256').update(loaded.text);
  const kind = classifyGymSource(loaded);
  if (kind === 'local-directory') hash.update(`\0directory:${await hashDirectoryContents(loaded.repoLocation)}`);
  if (kind === 'local-git' && !loaded.spec.commit) hash.update(`\0head:${(await runGit(['rev-parse', 'HEAD'], loaded.repoLocation)).trim()}`);
  return hash.digest('hex');
}

/** Put the gym's source at `workdir` as a git repository and check out the pinned commit; returns the full commit id. */
export async function materializeGymSource(loaded: LoadedGymSpec, workdir: string): Promise<string> {
  const kind = classifyGymSource(loaded);
  if (kind === 'local-directory') {
    await cp(loaded.repoLocation, workdir, {
      recursive: true,
      verbatimSymlinks: true,
      filter: (source) => !ARTEFACT_DIRECTORIES.has(path.basename(source)),
    });
    await runGit(['init', '-q', '-b', 'main'], workdir);
    await runGit(['add', '-A'], workdir);
    await runGit(['commit', '-q', '--no-verify', '--allow-empty', '-m', `swe-mirror: ${loaded.spec.name} fixture`], workdir, DETERMINISTIC_COMMIT_ENVIRONMENT);
  } else {
    await runGit(['clone', '-q', ...(kind === 'local-git' ? ['--no-hardlinks'] : []), loaded.repoLocation, workdir], path.dirname(workdir));
  }
  const commit = loaded.spec.commit ?? 'HEAD';
  await runGit(['checkout', '-q', '--detach', commit], workdir);
  return (await runGit(['rev-parse', 'HEAD'], workdir)).trim();
}

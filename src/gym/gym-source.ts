import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { cp, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import picomatch from 'picomatch';
import type { LoadedGymSpec } from '../config/load-gym-spec.js';
import { DETERMINISTIC_COMMIT_ENVIRONMENT, runGit } from '../core/git.js';
import { isGitBundleFile } from '../core/git-bundle.js';
import { checkoutSubmodules } from './submodules.js';

export { isGitBundleFile };

/** Build artefacts never copied from, nor hashed in, a plain-directory gym. */
const ARTEFACT_DIRECTORIES = new Set(['.git', 'node_modules', 'target', '.venv', 'venv', '__pycache__', '.pytest_cache']);

export type GymSourceKind = 'remote' | 'local-git' | 'local-bundle' | 'local-directory';


/** Whether the spec's repo is a URL, a local git repository, a git bundle (as exports write) or a plain directory. */
export function classifyGymSource(loaded: LoadedGymSpec): GymSourceKind {
  if (loaded.isRemote) return 'remote';
  if (isGitBundleFile(loaded.repoLocation)) return 'local-bundle';
  return existsSync(path.join(loaded.repoLocation, '.git')) ? 'local-git' : 'local-directory';
}

/** Whether a path (relative to the gym's source directory) is copied: not an artefact, not excluded by the spec. */
function createSourceFilter(excludeGlobs: readonly string[]): (relative: string) => boolean {
  const isExcluded = excludeGlobs.length > 0 ? picomatch([...excludeGlobs], { dot: true }) : () => false;
  return (relative) => {
    if (relative === '') return true;
    if (relative.split(path.sep).some((segment) => ARTEFACT_DIRECTORIES.has(segment))) return false;
    const posix = relative.split(path.sep).join('/');
    return !isExcluded(posix) && !isExcluded(`${posix}/`);
  };
}

async function listFiles(root: string, isIncluded: (relative: string) => boolean, relative = ''): Promise<string[]> {
  const entries = await readdir(path.join(root, relative), { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((left, right) => (left.name < right.name ? -1 : 1))) {
    const child = path.join(relative, entry.name);
    if (!isIncluded(child)) continue;
    if (entry.isDirectory()) files.push(...(await listFiles(root, isIncluded, child)));
    else files.push(child);
  }
  return files;
}

/** Hash of a plain directory's files (names, executable bits, contents), so editing a fixture invalidates the cache. */
export async function hashDirectoryContents(root: string, excludeGlobs: readonly string[] = []): Promise<string> {
  const hash = createHash('sha256');
  for (const file of await listFiles(root, createSourceFilter(excludeGlobs))) {
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
  if (kind === 'local-directory') hash.update(`\0directory:${await hashDirectoryContents(loaded.repoLocation, loaded.spec.sourceExclude)}`);
  if (kind === 'local-git' && !loaded.spec.commit) hash.update(`\0head:${(await runGit(loaded.repoLocation, ['rev-parse', 'HEAD'])).trim()}`);
  // A bundle's refs name its commits, so they stand for its content (the pinned commit alone would miss new task tags).
  if (kind === 'local-bundle') hash.update(`\0bundle:${await runGit(path.dirname(loaded.repoLocation), ['bundle', 'list-heads', loaded.repoLocation])}`);
  if (loaded.spec.docker?.dockerfile) hash.update(`\0dockerfile:${await readFile(path.resolve(path.dirname(loaded.specPath), loaded.spec.docker.dockerfile), 'utf8').catch(() => '')}`);
  return hash.digest('hex');
}

/** Put the gym's source at `workdir` as a git repository and check out the pinned commit; returns the full commit id. */
export async function materializeGymSource(loaded: LoadedGymSpec, workdir: string): Promise<string> {
  const kind = classifyGymSource(loaded);
  if (kind === 'local-directory') {
    const isIncluded = createSourceFilter(loaded.spec.sourceExclude);
    await cp(loaded.repoLocation, workdir, {
      recursive: true,
      verbatimSymlinks: true,
      filter: (source) => isIncluded(path.relative(loaded.repoLocation, source)),
    });
    await runGit(workdir, ['init', '-q', '-b', 'main']);
    await runGit(workdir, ['add', '-A']);
    await runGit(workdir, ['commit', '-q', '--no-verify', '--allow-empty', '-m', `swe-mirror: ${loaded.spec.name} fixture`], { env: DETERMINISTIC_COMMIT_ENVIRONMENT });
  } else {
    await runGit(path.dirname(workdir), ['clone', '-q', ...(kind === 'local-git' ? ['--no-hardlinks'] : []), loaded.repoLocation, workdir], { operatorConfig: kind === 'remote' });
    // A clone of a bundle brings its branches; the task tags come along so each task's buggy commit is at hand.
    if (kind === 'local-bundle') await runGit(workdir, ['fetch', '-q', '--tags', loaded.repoLocation]);
  }
  const commit = loaded.spec.commit ?? 'HEAD';
  await runGit(workdir, ['checkout', '-q', '--detach', commit]);
  // A plain directory's copy holds whatever its submodule folders held, as ordinary files.
  if (kind !== 'local-directory') await checkoutSubmodules(loaded, workdir);
  return (await runGit(workdir, ['rev-parse', 'HEAD'])).trim();
}

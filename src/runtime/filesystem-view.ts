import { existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { isPathInside } from '../core/paths.js';
import { TOOLCHAIN_VARIABLES } from './environment.js';

/** System directories a sandbox shows read-only. Nothing else of the host is visible unless a run asks for it. */
const SYSTEM_DIRECTORIES = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc', '/opt'];
/** Files and directories under the shown ones that hold secrets: replaced by an empty file or directory. */
const MASKED_FILES = ['/etc/shadow', '/etc/shadow-', '/etc/gshadow', '/etc/gshadow-', '/etc/sudoers', '/etc/security/opasswd', '/etc/.pwd.lock'];
const MASKED_DIRECTORIES = ['/etc/ssh', '/etc/ssl/private', '/etc/sudoers.d', '/etc/docker', '/etc/containerd'];
/** Credentials that live inside toolchain homes. */
const MASKED_TOOLCHAIN_FILES = ['credentials', 'credentials.toml', '.credentials'];

/** One entry of the sandbox's read-only view. */
export type ViewEntry =
  | { kind: 'ro-bind'; source: string; target: string }
  | { kind: 'symlink'; link: string; target: string }
  | { kind: 'mask-file'; target: string }
  | { kind: 'mask-directory'; target: string };


/**
 * Where a toolchain found on PATH (or named by a toolchain variable) lives: the whole tool root when it sits in
 * a hidden home directory (`/root/.pyenv/shims` → `/root/.pyenv`), the parent of a `bin` directory otherwise.
 */
function toolchainRoot(directory: string, home: string): string {
  if (isPathInside(directory, home)) {
    const first = path.relative(home, directory).split(path.sep)[0] as string;
    return path.join(home, first);
  }
  return path.basename(directory) === 'bin' ? path.dirname(directory) : directory;
}

/** Toolchain directories the sandbox must show read-only so that PATH keeps working, outside the system directories. */
export function toolchainDirectories(env: Record<string, string>, home = homedir()): string[] {
  const candidates = [...(env.PATH ?? '').split(':'), ...TOOLCHAIN_VARIABLES.map((name) => env[name] ?? '')].filter((entry) => path.isAbsolute(entry));
  const roots = new Set<string>();
  for (const candidate of candidates) {
    const root = toolchainRoot(path.normalize(candidate), home);
    if (root === '/' || root === home || !existsSync(root)) continue;
    if (SYSTEM_DIRECTORIES.some((system) => isPathInside(root, system, { orEqual: true }))) continue;
    roots.add(root);
  }
  // A root inside another root is already shown.
  const sorted = [...roots].sort((left, right) => left.length - right.length);
  return sorted.filter((root, index) => !sorted.slice(0, index).some((outer) => isPathInside(root, outer, { orEqual: true })));
}

/** The read-only part of a sandbox: system directories (secrets masked) and the toolchains the environment names. */
export function readOnlyView(env: Record<string, string>): ViewEntry[] {
  const entries: ViewEntry[] = [];
  for (const directory of SYSTEM_DIRECTORIES) {
    let stats;
    try {
      stats = lstatSync(directory);
    } catch {
      continue;
    }
    if (stats.isSymbolicLink()) entries.push({ kind: 'symlink', link: readlinkSync(directory), target: directory });
    else if (stats.isDirectory()) entries.push({ kind: 'ro-bind', source: directory, target: directory });
  }
  for (const file of MASKED_FILES) if (existsSync(file)) entries.push({ kind: 'mask-file', target: file });
  for (const directory of MASKED_DIRECTORIES) if (existsSync(directory)) entries.push({ kind: 'mask-directory', target: directory });
  for (const root of toolchainDirectories(env)) {
    const source = realpathSync(root);
    entries.push({ kind: 'ro-bind', source, target: root });
    for (const name of MASKED_TOOLCHAIN_FILES) {
      const file = path.join(root, name);
      if (existsSync(file) && lstatSync(file).isFile()) entries.push({ kind: 'mask-file', target: file });
    }
  }
  return entries;
}

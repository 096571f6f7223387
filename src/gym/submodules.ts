import { existsSync } from 'node:fs';
import path from 'node:path';
import type { LoadedGymSpec } from '../config/load-gym-spec.js';
import { SweMirrorError } from '../core/errors.js';
import { runGit, runGitRaw } from '../core/git.js';

/** One submodule declared in .gitmodules. */
export interface SubmoduleEntry {
  name: string;
  path: string;
  url: string;
}

/** Submodules of the commit checked out in `workdir`, from its .gitmodules; empty without one. */
export async function listSubmodules(workdir: string): Promise<SubmoduleEntry[]> {
  if (!existsSync(path.join(workdir, '.gitmodules'))) return [];
  const listed = await runGitRaw(workdir, ['config', '--file', '.gitmodules', '--get-regexp', '^submodule\\..*\\.(path|url)$']);
  const byName = new Map<string, Partial<SubmoduleEntry>>();
  for (const line of listed.stdout.split('\n').filter(Boolean)) {
    const match = /^submodule\.(.+)\.(path|url) (.*)$/.exec(line);
    if (!match) continue;
    const [, name = '', key, value = ''] = match;
    const entry = byName.get(name) ?? { name };
    if (key === 'path') entry.path = value;
    else entry.url = value;
    byName.set(name, entry);
  }
  return [...byName.values()].filter((entry): entry is SubmoduleEntry => entry.path !== undefined && entry.url !== undefined).sort((left, right) => left.path.localeCompare(right.path));
}

/** Whether a URL names a local repository or bundle (a path, or file://), which git only fetches with protocol.file allowed. */
function isLocalUrl(url: string): boolean {
  return url.startsWith('file://') || url.startsWith('/') || url.startsWith('./') || url.startsWith('../') || !/^[a-z][a-z0-9+.-]*:\/\/|^[^/\s]+@[^/\s]+:/i.test(url);
}

/**
 * Check out the submodules of the gym commit at the commits it records (what `git clone --recursive` does), from
 * their .gitmodules URLs or the spec's `submodules.urls`; nothing when the spec says `submodules: false` or the
 * commit has none. A submodule that cannot be fetched fails prepare with a message naming it and the fixes.
 */
export async function checkoutSubmodules(loaded: LoadedGymSpec, workdir: string): Promise<SubmoduleEntry[]> {
  const setting = loaded.spec.submodules;
  if (setting === false) return [];
  const submodules = await listSubmodules(workdir);
  if (submodules.length === 0) return [];
  const overrides = typeof setting === 'object' ? setting.urls : {};
  const unknown = Object.keys(overrides).filter((key) => !submodules.some((entry) => entry.path === key));
  if (unknown.length > 0) {
    throw new SweMirrorError({
      code: 'GYM_SUBMODULE_UNKNOWN',
      kind: 'user',
      message: `submodules.urls in ${loaded.specPath} names ${unknown.join(', ')}, which the gym commit has no submodule at (it has: ${submodules.map((entry) => entry.path).join(', ')}).`,
      hint: 'Key submodules.urls by the submodule paths of .gitmodules.',
    });
  }
  const specDirectory = path.dirname(loaded.specPath);
  await runGit(workdir, ['submodule', 'init', '--', ...submodules.map((entry) => entry.path)]);
  for (const entry of submodules) {
    const override = overrides[entry.path];
    if (override === undefined) continue;
    const url = isLocalUrl(override) && !override.startsWith('file://') ? path.resolve(specDirectory, override) : override;
    await runGit(workdir, ['config', `submodule.${entry.name}.url`, url]);
  }
  // Local paths and bundles are fetched with the file protocol, which git refuses for submodules unless allowed.
  const update = await runGitRaw(workdir, ['-c', 'protocol.file.allow=always', 'submodule', 'update', '--init', '--recursive', '--checkout', '--force'], { operatorConfig: true });
  if (update.exitCode !== 0) {
    const listing = submodules.map((entry) => `${entry.path} <- ${overrides[entry.path] ?? entry.url}`).join('; ');
    throw new SweMirrorError({
      code: 'GYM_SUBMODULE_FETCH_FAILED',
      kind: 'user',
      message: `The submodules of gym ${loaded.spec.name} could not be checked out (${listing}): ${update.stderr.trim().split('\n').slice(-4).join(' | ')}`,
      hint:
        `Make each submodule reachable at prepare time, or in ${loaded.specPath} point it at a local clone or bundle that holds the recorded commit ` +
        '(submodules: { urls: { <path>: ../mirrors/<name>.bundle } }), or set submodules: false if the suite does not need them.',
      details: { submodules: submodules.map((entry) => entry.path) },
    });
  }
  return submodules;
}

/** Paths of the submodules checked out in a working copy (gitlinks of the index that hold a repository). */
export async function listCheckedOutSubmodules(workdir: string): Promise<string[]> {
  if (!existsSync(path.join(workdir, '.gitmodules'))) return [];
  const staged = await runGit(workdir, ['ls-files', '--stage', '-z']);
  return staged
    .split('\0')
    .filter((line) => line.startsWith('160000 '))
    .map((line) => line.slice(line.indexOf('\t') + 1))
    .filter((entry) => existsSync(path.join(workdir, entry, '.git')));
}

/**
 * Put a working copy's submodules back at the commits its HEAD records, without their untracked files: an edit a
 * step made inside one (test data, say) does not outlive the reset. Offline: the commits are already there.
 */
export async function resetSubmodules(workdir: string): Promise<void> {
  const checkedOut = await listCheckedOutSubmodules(workdir);
  if (checkedOut.length === 0) return;
  await runGit(workdir, ['submodule', 'update', '--checkout', '--force', '--recursive', '--', ...checkedOut]);
  for (const entry of checkedOut) await runGit(path.join(workdir, entry), ['clean', '-ffdxq']);
}

/**
 * Write one bundle per checked-out submodule of a working copy (its checked-out commit and history) into `directory`,
 * named `<prefix>--<path>.bundle`; returns submodule path → bundle file, for an exported spec's `submodules.urls`.
 * Nested submodules are not carried.
 */
export async function bundleSubmodules(workdir: string, directory: string, prefix: string): Promise<Record<string, string>> {
  const bundles: Record<string, string> = {};
  for (const entry of await listCheckedOutSubmodules(workdir)) {
    const file = path.join(directory, `${prefix}--${entry.replace(/[^A-Za-z0-9._-]+/g, '_')}.bundle`);
    await runGit(path.join(workdir, entry), ['bundle', 'create', '-q', file, 'HEAD']);
    bundles[entry] = file;
  }
  return bundles;
}

import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Network failures as npm, git and curl print them; ENOTCACHED is npm --offline missing a tarball in its cache. */
const NETWORK_FAILURE = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH|ENOTCACHED|Could not resolve host|unable to access|only-if-cached|Name or service not known/;
/** Lockfile entries that are not registry packages: GitHub tarballs and git URLs. */
const GITHUB_DEPENDENCY = /ssh:\/\/git@github\.com|codeload\.github\.com|git\+(?:ssh|https):\/\/[^\s]*github\.com|github:[\w.-]+\/|https:\/\/github\.com\/[^\s]+\.(?:tar\.gz|tgz|git)/;
/** A `resolved` (or v1 `version`) value that npm fetches from GitHub or through git rather than from the registry. */
const NON_REGISTRY_SOURCE = /^(?:git\+|git:|github:|https?:\/\/(?:codeload\.)?github\.com\/)/;
const LOCKFILES = ['npm-shrinkwrap.json', 'package-lock.json'];
const GITHUB_URL_IN_OUTPUT = /(?:git\+)?(?:ssh:\/\/git@|https:\/\/|git:\/\/)(?:codeload\.)?github\.com[^\s'"]*/;
const SHOWN_ENTRIES = 5;

/** One lockfile entry npm resolves outside the registry. */
export interface GitHubLockfileEntry {
  lockfile: string;
  /** `node_modules/a/node_modules/b` (lockfile v2/v3) or `a > b` (v1). */
  entry: string;
  source: string;
}

export interface DiagnoseInstallOptions {
  /** The gym's working copy: its lockfile names the entries that need GitHub. */
  workdir?: string;
}

/** A more specific hint for an install that failed, from its output; undefined when nothing specific is recognised. */
export function diagnoseInstallFailure(command: string, output: string, options: DiagnoseInstallOptions = {}): string | undefined {
  const isNpm = /\bnpm\b|\byarn\b|\bpnpm\b/.test(command);
  if (!isNpm || !NETWORK_FAILURE.test(output)) return undefined;
  const entries = options.workdir ? listGitHubLockfileEntries(options.workdir) : [];
  if (!GITHUB_DEPENDENCY.test(output) && entries.length === 0) return undefined;
  // Prefer the entries the output names: those are the ones that failed.
  const named = entries.filter((entry) => output.includes(entry.source) || output.includes(stripFragment(entry.source)));
  const shown = (named.length > 0 ? named : entries).slice(0, SHOWN_ENTRIES);
  const list = shown.map((entry) => `${entry.lockfile}: ${entry.entry} -> ${entry.source}`).join('; ');
  const more = entries.length > shown.length && named.length === 0 ? ` (and ${entries.length - shown.length} more)` : '';
  // Without lockfile entries the GitHub dependency is declared further down (by a dependency's package.json): name the URL npm printed.
  const printed = GITHUB_URL_IN_OUTPUT.exec(output)?.[0];
  const what =
    shown.length > 0
      ? `The lockfile has dependencies fetched from GitHub (tarballs or git URLs), not from the registry (${list}${more})`
      : `A dependency is fetched from GitHub (a tarball or git URL declared by a package, not a registry version)${printed ? `: ${printed}` : ''}`;
  return (
    what +
    ': installing it needs network access to github.com, which this machine does not have at prepare time. ' +
    'Allow github.com and codeload.github.com for gym prepare (install is the only step with network), ' +
    'or, in a fork of the gym, point such dependencies at registry versions (npm install <name>@<version>, or an overrides entry; commit the new lockfile) ' +
    'or vendor their tarballs in the repository as file: dependencies.'
  );
}

/** Entries of the working copy's npm lockfile that resolve to GitHub tarballs or git URLs; empty when there is no readable lockfile. */
export function listGitHubLockfileEntries(workdir: string): GitHubLockfileEntry[] {
  for (const lockfile of LOCKFILES) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path.join(workdir, lockfile), 'utf8'));
    } catch {
      continue;
    }
    if (typeof parsed !== 'object' || parsed === null) continue;
    const entries: GitHubLockfileEntry[] = [];
    const packages = (parsed as { packages?: unknown }).packages;
    if (isRecord(packages)) {
      for (const [entry, value] of Object.entries(packages)) {
        const source = isRecord(value) ? sourceOf(value) : undefined;
        if (entry !== '' && source) entries.push({ lockfile, entry, source });
      }
    } else {
      collectVersionOne(lockfile, (parsed as { dependencies?: unknown }).dependencies, [], entries);
    }
    return entries.sort((left, right) => left.entry.localeCompare(right.entry));
  }
  return [];
}

/** Lockfile v1 nests dependencies; a git dependency keeps its URL in `version` (and `from`), a tarball in `resolved`. */
function collectVersionOne(lockfile: string, dependencies: unknown, parents: string[], into: GitHubLockfileEntry[]): void {
  if (!isRecord(dependencies)) return;
  for (const [name, value] of Object.entries(dependencies)) {
    if (!isRecord(value)) continue;
    const trail = [...parents, name];
    const source = sourceOf(value);
    if (source) into.push({ lockfile, entry: trail.join(' > '), source });
    collectVersionOne(lockfile, value.dependencies, trail, into);
  }
}

function sourceOf(value: Record<string, unknown>): string | undefined {
  for (const field of ['resolved', 'version']) {
    const candidate = value[field];
    if (typeof candidate === 'string' && NON_REGISTRY_SOURCE.test(candidate)) return candidate;
  }
  return undefined;
}

function stripFragment(url: string): string {
  return url.replace(/#.*$/, '');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

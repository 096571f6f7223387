import { existsSync, lstatSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { runGitRaw } from '../core/git.js';

/** Local config keys that make git run a program or read another repository's objects. */
const DANGEROUS_CONFIG = /^(core\.(hookspath|fsmonitor|sshcommand|pager|editor|askpass|worktree|gitproxy)|include\.|includeif\.|filter\.|diff\..*\.(textconv|command)|merge\..*\.driver|credential\.|alias\.|sequence\.editor|gpg\.)/i;

/**
 * Problems with a repository swe-mirror's own git is about to work in: anything that could make host git run
 * a program (hooks, fsmonitor, filters...) or read other content than its objects say (replace refs, grafts,
 * alternates, a .git that points elsewhere), and a HEAD other than `commit` when one is given. Empty when clean.
 */
export async function findIntegrityProblems(workdir: string, commit?: string): Promise<string[]> {
  const problems: string[] = [];
  const gitDirectory = path.join(workdir, '.git');
  let stats;
  try {
    stats = lstatSync(gitDirectory);
  } catch {
    return ['.git is missing'];
  }
  if (!stats.isDirectory()) return ['.git is not a directory (a gitdir link could point anywhere)'];
  const hooks = path.join(gitDirectory, 'hooks');
  if (existsSync(hooks)) {
    for (const name of readdirSync(hooks)) if (!name.endsWith('.sample')) problems.push(`hook .git/hooks/${name}`);
  }
  for (const file of ['info/grafts', 'objects/info/alternates', 'objects/info/http-alternates', 'commondir']) {
    if (existsSync(path.join(gitDirectory, file))) problems.push(`.git/${file} exists`);
  }
  const config = await runGitRaw(workdir, ['config', '--local', '--name-only', '--list']);
  for (const key of config.stdout.split('\n').filter(Boolean)) if (DANGEROUS_CONFIG.test(key)) problems.push(`config ${key}`);
  // Submodules' repositories live under .git/modules; host git works in them at every reset.
  for (const directory of listSubmoduleGitDirectories(gitDirectory)) {
    const relative = path.relative(workdir, directory);
    const submoduleHooks = path.join(directory, 'hooks');
    if (existsSync(submoduleHooks)) for (const name of readdirSync(submoduleHooks)) if (!name.endsWith('.sample')) problems.push(`hook ${relative}/hooks/${name}`);
    for (const key of await findDangerousSubmoduleConfig(workdir, directory)) problems.push(`config ${key} of ${relative}`);
  }
  const replaced = await runGitRaw(workdir, ['for-each-ref', '--format=%(refname)', 'refs/replace/']);
  if (replaced.stdout.trim()) problems.push(`replace refs: ${replaced.stdout.trim().split('\n').join(', ')}`);
  if (commit) {
    const head = await runGitRaw(workdir, ['rev-parse', 'HEAD']);
    if (head.exitCode !== 0 || head.stdout.trim() !== commit) problems.push(`HEAD is ${head.stdout.trim() || 'unreadable'}, not ${commit}`);
  }
  return problems;
}

/**
 * Remove from a freshly installed tree what its install may legitimately have added but host git must never act
 * on (husky's core.hooksPath, hooks, filters...): non-sample hooks, dangerous local config keys, replace refs,
 * grafts and alternates. Done once at prepare, after install and warm-up; findIntegrityProblems then holds.
 */
export async function sanitizeRepository(workdir: string): Promise<string[]> {
  const removed: string[] = [];
  const gitDirectory = path.join(workdir, '.git');
  const hooks = path.join(gitDirectory, 'hooks');
  if (existsSync(hooks)) {
    for (const name of readdirSync(hooks)) {
      if (name.endsWith('.sample')) continue;
      rmSync(path.join(hooks, name), { recursive: true, force: true });
      removed.push(`hook ${name}`);
    }
  }
  for (const file of ['info/grafts', 'objects/info/alternates', 'objects/info/http-alternates']) {
    if (existsSync(path.join(gitDirectory, file))) {
      rmSync(path.join(gitDirectory, file), { force: true });
      removed.push(`.git/${file}`);
    }
  }
  const config = await runGitRaw(workdir, ['config', '--local', '--name-only', '--list']);
  for (const key of new Set(config.stdout.split('\n').filter((entry) => DANGEROUS_CONFIG.test(entry)))) {
    await runGitRaw(workdir, ['config', '--local', '--unset-all', key]);
    removed.push(`config ${key}`);
  }
  for (const directory of listSubmoduleGitDirectories(gitDirectory)) {
    const submoduleHooks = path.join(directory, 'hooks');
    if (existsSync(submoduleHooks)) {
      for (const name of readdirSync(submoduleHooks)) {
        if (name.endsWith('.sample')) continue;
        rmSync(path.join(submoduleHooks, name), { recursive: true, force: true });
        removed.push(`hook ${name} of ${path.relative(workdir, directory)}`);
      }
    }
    const file = path.join(directory, 'config');
    for (const key of await findDangerousSubmoduleConfig(workdir, directory)) {
      await runGitRaw(workdir, ['config', '--file', file, '--unset-all', key]);
      removed.push(`config ${key} of ${path.relative(workdir, directory)}`);
    }
  }
  const replaced = await runGitRaw(workdir, ['for-each-ref', '--format=%(refname)', 'refs/replace/']);
  for (const ref of replaced.stdout.split('\n').filter(Boolean)) {
    await runGitRaw(workdir, ['update-ref', '-d', ref]);
    removed.push(ref);
  }
  return removed;
}

/** The repositories of submodules (and theirs) under `.git/modules`: directories holding a HEAD and a config. */
function listSubmoduleGitDirectories(gitDirectory: string): string[] {
  const found: string[] = [];
  const walk = (directory: string, depth: number): void => {
    if (depth > 8 || !existsSync(directory)) return;
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const child = path.join(directory, entry.name);
      if (existsSync(path.join(child, 'HEAD')) && existsSync(path.join(child, 'config'))) {
        found.push(child);
        walk(path.join(child, 'modules'), depth + 1);
      } else {
        // A submodule named with slashes (`libs/data`) nests plain folders.
        walk(child, depth + 1);
      }
    }
  };
  walk(path.join(gitDirectory, 'modules'), 0);
  return found.sort();
}

/**
 * Dangerous keys of a submodule repository's config. Git itself sets `core.worktree` there (the submodule's folder):
 * allowed while it stays inside the working copy, since host git checks out and cleans wherever it points.
 */
async function findDangerousSubmoduleConfig(workdir: string, directory: string): Promise<string[]> {
  const listed = await runGitRaw(workdir, ['config', '--file', path.join(directory, 'config'), '--list']);
  const keys = new Set<string>();
  for (const line of listed.stdout.split('\n').filter(Boolean)) {
    const [key = '', ...rest] = line.split('=');
    if (!DANGEROUS_CONFIG.test(key)) continue;
    if (key.toLowerCase() === 'core.worktree') {
      const target = path.resolve(directory, rest.join('='));
      if (target.startsWith(path.resolve(workdir) + path.sep)) continue;
    }
    keys.add(key);
  }
  return [...keys];
}

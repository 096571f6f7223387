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
  const replaced = await runGitRaw(workdir, ['for-each-ref', '--format=%(refname)', 'refs/replace/']);
  for (const ref of replaced.stdout.split('\n').filter(Boolean)) {
    await runGitRaw(workdir, ['update-ref', '-d', ref]);
    removed.push(ref);
  }
  return removed;
}

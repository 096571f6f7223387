import { spawn } from 'node:child_process';
import path from 'node:path';
import { SweMirrorError } from './errors.js';

/** Fixed identity and dates so commits made by swe-mirror have stable ids. */
export function deterministicGitEnvironment(date = '2000-01-01T00:00:00Z'): Record<string, string> {
  return {
    GIT_AUTHOR_NAME: 'swe-mirror',
    GIT_AUTHOR_EMAIL: 'swe-mirror@localhost',
    GIT_COMMITTER_NAME: 'swe-mirror',
    GIT_COMMITTER_EMAIL: 'swe-mirror@localhost',
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  };
}

/** The same commit environment on every machine (fixture gyms get the same commit id everywhere). */
export const DETERMINISTIC_COMMIT_ENVIRONMENT: Readonly<Record<string, string>> = deterministicGitEnvironment();

export interface GitResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface GitOptions {
  env?: Record<string, string>;
  input?: string;
  /**
   * Read the operator's global git config (credential helpers, URL rewrites, proxies): only for cloning or
   * fetching a gym from its remote, never for commands inside a working copy.
   */
  operatorConfig?: boolean;
}

/**
 * Settings that keep swe-mirror's own git from running or trusting anything a repository could carry: no hooks,
 * no fsmonitor command, no external diff or textconv programs, no pager, no credential helper, no protocol
 * beyond local files and the network ones a clone needs.
 */
const HARDENED_CONFIG = [
  'core.quotepath=false',
  'core.autocrlf=false',
  'commit.gpgsign=false',
  'tag.gpgsign=false',
  'core.hooksPath=/dev/null',
  'core.fsmonitor=false',
  'core.untrackedCache=false',
  'core.pager=cat',
  'diff.external=',
  'protocol.ext.allow=never',
  'submodule.recurse=false',
  'safe.directory=*',
].flatMap((setting) => ['-c', setting]);

/** Variables of the caller's environment git may see: no secrets, no GIT_* redirections (GIT_DIR, GIT_CONFIG_*...). */
const GIT_INHERITED = ['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'GIT_SSL_CAINFO', 'http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY'];

/** The environment of a host git command run in `cwd`. */
export function hardenedGitEnvironment(cwd: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of GIT_INHERITED) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return {
    ...env,
    GIT_TERMINAL_PROMPT: '0',
    LC_ALL: 'C',
    // The operator's and the system's git config are not read: behaviour is the same on every machine.
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    // Replace objects and grafts could make a commit id stand for other content.
    GIT_NO_REPLACE_OBJECTS: '1',
    // Only the repository at cwd itself is used, never one discovered in a parent directory.
    GIT_CEILING_DIRECTORIES: path.dirname(path.resolve(cwd)),
    GIT_ALLOW_PROTOCOL: 'file:git:http:https:ssh',
    ...extra,
  };
}

function withoutConfigOverrides(env: Record<string, string>): Record<string, string> {
  const { GIT_CONFIG_NOSYSTEM: _system, GIT_CONFIG_GLOBAL: _global, ...rest } = env;
  return rest;
}

/**
 * Run git (trusted, on the host) with an argv array; a non-zero exit is returned, not thrown.
 * Throws only when git cannot start. Git runs hardened (see HARDENED_CONFIG and hardenedGitEnvironment).
 */
export function runGitRaw(cwd: string, args: string[], options: GitOptions = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...HARDENED_CONFIG, ...args], {
      cwd,
      env: options.operatorConfig ? { ...withoutConfigOverrides(hardenedGitEnvironment(cwd)), ...options.env } : hardenedGitEnvironment(cwd, options.env),
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (cause) =>
      reject(
        new SweMirrorError({
          code: 'GIT_NOT_FOUND',
          kind: 'infrastructure',
          message: `Cannot run git in ${cwd}: ${cause.message}.`,
          hint: 'Install git and make sure it is on PATH.',
          cause,
        }),
      ),
    );
    child.on('close', (code) => resolve({ exitCode: code ?? 1, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }));
    if (child.stdin) {
      // git may exit before reading all of its input (e.g. a malformed patch); that is its answer, not an error.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
  });
}

/** Run git and return its stdout; a non-zero exit throws GIT_FAILED naming the command and git's message. */
export async function runGit(cwd: string, args: string[], options: GitOptions = {}): Promise<string> {
  const result = await runGitRaw(cwd, args, options);
  if (result.exitCode !== 0) {
    throw new SweMirrorError({
      code: 'GIT_FAILED',
      kind: 'infrastructure',
      message: `git ${args.join(' ')} failed in ${cwd}: ${result.stderr.trim() || `exit code ${result.exitCode}`}`,
      hint: 'Check that git is installed and that the repository and commit exist.',
      details: { args, cwd, stderr: result.stderr },
    });
  }
  return result.stdout;
}

import { spawn } from 'node:child_process';
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
}

/**
 * Run git (trusted, on the host) with an argv array; a non-zero exit is returned, not thrown.
 * Throws only when git cannot start.
 */
export function runGitRaw(cwd: string, args: string[], options: GitOptions = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-c', 'core.quotepath=false', '-c', 'core.autocrlf=false', '-c', 'commit.gpgsign=false', ...args], {
      cwd,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...options.env },
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

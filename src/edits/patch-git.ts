import { spawn } from 'node:child_process';
import { SweMirrorError } from '../core/errors.js';

export interface GitResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Run git (trusted, on the host) with an argv array; never throws for a non-zero exit, only when git cannot start. */
export function runGit(
  cwd: string,
  args: string[],
  options: { env?: Record<string, string>; input?: string } = {},
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-c', 'core.quotepath=false', ...args], {
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
    child.on('close', (code) =>
      resolve({
        exitCode: code ?? 1,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      }),
    );
    if (child.stdin) {
      // git may exit before reading all of its input (e.g. a malformed patch); that is its answer, not an error.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
  });
}

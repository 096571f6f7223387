import { execFile } from 'node:child_process';
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

/** Run git with an argv array; throws a SweMirrorError naming the command and git's message on failure. */
export function runGit(
  cwd: string,
  args: string[],
  options: { input?: string; env?: Record<string, string>; maxBuffer?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      {
        cwd,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', ...options.env },
        maxBuffer: options.maxBuffer ?? 256 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new SweMirrorError({
              code: 'GIT_FAILED',
              kind: 'infrastructure',
              message: `git ${args.join(' ')} failed in ${cwd}: ${(stderr || error.message).trim()}`,
              hint: 'Check that the directory is a git repository and git is installed.',
              cause: error,
              details: { args, cwd, stderr },
            }),
          );
          return;
        }
        resolve(stdout);
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

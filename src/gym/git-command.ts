import { execFile } from 'node:child_process';
import { SweMirrorError } from '../core/errors.js';

/** Fixed identity and dates so commits made by swe-mirror get the same id on every machine. */
export const DETERMINISTIC_COMMIT_ENVIRONMENT: Record<string, string> = {
  GIT_AUTHOR_NAME: 'swe-mirror',
  GIT_AUTHOR_EMAIL: 'swe-mirror@localhost',
  GIT_AUTHOR_DATE: '2000-01-01T00:00:00Z',
  GIT_COMMITTER_NAME: 'swe-mirror',
  GIT_COMMITTER_EMAIL: 'swe-mirror@localhost',
  GIT_COMMITTER_DATE: '2000-01-01T00:00:00Z',
};

/** Run git (trusted, unsandboxed) and return stdout; a failure throws GIT_FAILED with git's stderr. */
export function runGit(gitArguments: string[], cwd: string, extraEnvironment: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      ['-c', 'core.autocrlf=false', '-c', 'commit.gpgsign=false', ...gitArguments],
      { cwd, env: { ...process.env, ...extraEnvironment, GIT_TERMINAL_PROMPT: '0' }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        reject(
          new SweMirrorError({
            code: 'GIT_FAILED',
            kind: 'infrastructure',
            message: `git ${gitArguments.join(' ')} failed in ${cwd}: ${stderr.trim() || error.message}`,
            hint: 'Check that git is installed and that the repository and commit exist.',
            cause: error,
          }),
        );
      },
    );
  });
}

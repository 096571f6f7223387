import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { StandInRepository } from '../../src/testing/github-server.js';

/** A temp directory outside any `test` path segment. */
export function makeTemporaryDirectory(prefix: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), `swe-mirror-${prefix}-`));
}

export function git(directory: string, ...args: string[]): string {
  return execFileSync('git', ['-C', directory, ...args], {
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.com' },
  });
}

export async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [relative, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, relative)), { recursive: true });
    await writeFile(path.join(root, relative), content);
  }
}

/** A small Python gym: spec + a git repo with a README and tests, whose origin is gymowner/semver-lite on GitHub. */
export async function makeGym(): Promise<{ specPath: string; directory: string }> {
  const directory = await makeTemporaryDirectory('gym');
  const repo = path.join(directory, 'code');
  await writeTree(repo, {
    'README.md': '# semver-lite\n\nParse, compare and bump semantic version strings; check version ranges.\n',
    'semver_lite/__init__.py': 'def parse(text):\n    return tuple(int(part) for part in text.split("."))\n',
    'tests/test_parse.py': 'from semver_lite import parse\n\ndef test_parse():\n    assert parse("1.2.3") == (1, 2, 3)\n',
  });
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'initial');
  git(repo, 'remote', 'add', 'origin', 'https://github.com/gymowner/semver-lite.git');
  const specPath = path.join(directory, 'gym.yaml');
  await writeFile(
    specPath,
    ['name: semver-lite', 'language: python', 'repo: ./code', 'test:', '  command: pytest -rA', '  report: { format: pytest-ra }', 'testFiles: ["tests/**"]', ''].join('\n'),
  );
  return { specPath, directory };
}

export function codeDiff(file: string, line = 'return value'): string {
  return [
    `diff --git a/${file} b/${file}`,
    'index 1111111..2222222 100644',
    `--- a/${file}`,
    `+++ b/${file}`,
    '@@ -1,3 +1,3 @@',
    ' def compute(value):',
    `-    ${line} + 1`,
    `+    ${line}`,
    ' ',
    '',
  ].join('\n');
}

/** Two analogous repositories and the gym's own repository, with PRs covering each path of the GitHub source. */
export function standInRepositories(): StandInRepository[] {
  return [
    {
      fullName: 'acme/semver-tool',
      description: 'semantic versioning toolkit',
      stars: 900,
      openIssues: 40,
      language: 'Python',
      issues: [
        { number: 2, title: 'Docs typo', body: 'typo in README' },
        { number: 3, title: 'Range upper bound excluded', body: 'A range <2.0.0 excludes 1.9.9' },
        { number: 4, title: 'Prerelease ordering wrong', body: '1.0.0-alpha sorts after 1.0.0' },
        { number: 5, title: 'Parse fails on leading v', body: 'parse("v1.2.3") raises ValueError' },
      ],
      pullRequests: [
        { number: 12, title: 'Accept a leading v', body: 'Strips the v prefix.', mergedAt: '2024-03-01T00:00:00Z', diff: codeDiff('semver/parse.py'), closingIssues: [5] },
        { number: 11, title: 'Fix prerelease ordering', body: 'Fixes #4 by comparing identifiers.', mergedAt: '2024-02-01T00:00:00Z', diff: codeDiff('semver/compare.py') },
        { number: 10, title: 'Range fix', body: '', mergedAt: '2024-01-20T00:00:00Z', diff: codeDiff('semver/ranges.py'), commits: ['Fix range bound\n\nCloses #3'] },
        { number: 9, title: 'Abandoned attempt', body: 'Fixes #4', mergedAt: null, diff: codeDiff('semver/compare.py') },
        { number: 8, title: 'Fix typo', body: '', mergedAt: '2024-01-10T00:00:00Z', diff: codeDiff('docs/index.md'), closingIssues: [2] },
        { number: 7, title: 'Refactor', body: 'No issue.', mergedAt: '2024-01-05T00:00:00Z', diff: codeDiff('semver/util.py'), commits: ['Refactor helpers'] },
      ],
    },
    {
      fullName: 'beta/versions',
      description: 'Semantic versioning for Python',
      stars: 50,
      openIssues: 3,
      language: 'Python',
      issues: [{ number: 1, title: 'Bump ignores build metadata', body: 'bump drops +build' }],
      pullRequests: [{ number: 2, title: 'Keep build metadata on bump', body: 'resolves #1', mergedAt: '2024-04-01T00:00:00Z', diff: codeDiff('versions/bump.py') }],
    },
    {
      fullName: 'gymowner/semver-lite',
      description: 'semantic versioning, the gym itself',
      stars: 5000,
      openIssues: 1,
      language: 'Python',
      issues: [],
      pullRequests: [],
    },
  ];
}

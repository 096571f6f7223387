import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGymSpec } from '../../src/config/load-gym-spec.js';
import { collectCandidates, readCandidates } from '../../src/sources/collect-candidates.js';
import { createGitHistorySource, listPullRequestCommits } from '../../src/sources/git-history.js';
import { readGymContext } from '../../src/sources/gym-context.js';
import { git, makeGym, makeTemporaryDirectory, writeTree } from './helpers.js';

/** A repo with a merge commit (PR #7, fixes #3), a squash commit (PR #8, closes #4), a squash without an issue (PR #9) and a plain commit. */
async function makeHistory(): Promise<string> {
  const repo = await makeTemporaryDirectory('history');
  git(repo, 'init', '-q', '-b', 'main');
  await writeTree(repo, { 'src/ranges.py': 'def upper(a):\n    return a\n', 'README.md': '# lib\n' });
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'initial');
  git(repo, 'checkout', '-q', '-b', 'fix-upper');
  await writeTree(repo, { 'src/ranges.py': 'def upper(a):\n    return a + 1\n', 'tests/test_ranges.py': 'def test_upper():\n    pass\n' });
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'Include the upper bound\n\nFixes #3');
  git(repo, 'checkout', '-q', 'main');
  await writeTree(repo, { 'README.md': '# lib\n\nmore docs\n' });
  git(repo, 'commit', '-q', '-am', 'Docs tweak');
  git(repo, 'merge', '-q', '--no-ff', 'fix-upper', '-m', 'Merge pull request #7 from someone/fix-upper\n\nInclude the upper bound of ranges');
  await writeTree(repo, { 'src/compare.py': 'def less(a, b):\n    return a < b\n' });
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'Compare prereleases correctly (#8)\n\nCloses #4.');
  await writeTree(repo, { 'src/util.py': 'X = 1\n' });
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'Refactor helpers (#9)');
  return repo;
}

describe('git history source', () => {
  it('finds merge and squash commits with their PR numbers and fixed issues', async () => {
    const repo = await makeHistory();
    const commits = await listPullRequestCommits(repo);
    expect(commits.map((commit) => [commit.number, commit.style, commit.title])).toEqual([
      [9, 'squash', 'Refactor helpers'],
      [8, 'squash', 'Compare prereleases correctly'],
      [7, 'merge', 'Include the upper bound of ranges'],
    ]);
    expect(commits[2]?.mergedMessages.join('\n')).toContain('Fixes #3');
  });

  it('collects offline: first-parent diffs, issues from messages, rules applied', async () => {
    const repo = await makeHistory();
    const gym = await makeGym();
    const gymContext = await readGymContext(await loadGymSpec(gym.specPath));
    const out = path.join(await makeTemporaryDirectory('git-out'), 'candidates.jsonl');
    const source = createGitHistorySource({ directory: repo, repositoryName: 'someone/lib' });
    const result = await collectCandidates({ gym: gymContext, source, outputPath: out });
    const { candidates } = await readCandidates(out);
    const byNumber = new Map(candidates.map((candidate) => [candidate.source.number, candidate]));

    const merge = byNumber.get(7);
    expect(merge?.source.issues.map((issue) => issue.number)).toEqual([3]);
    expect(merge?.source.diff).toContain('+++ b/src/ranges.py');
    expect(merge?.source.diff).toContain('+++ b/tests/test_ranges.py');
    // First-parent diff: the docs commit made on main before the merge is not part of the PR.
    expect(merge?.source.diff).not.toContain('README.md');
    expect(merge?.ruleVerdict.kept).toBe(true);
    expect(byNumber.get(8)?.source.issues.map((issue) => issue.number)).toEqual([4]);
    expect(byNumber.get(8)?.source.diff).toContain('src/compare.py');
    expect(byNumber.get(9)?.ruleVerdict.reason).toBe('no-linked-issue');
    expect(result.run.kept).toBe(2);

    const rerun = await collectCandidates({ gym: gymContext, source, outputPath: out });
    expect(rerun.run.seen).toBe(0);
    expect((await readCandidates(out)).candidates).toHaveLength(3);
  });

  it('refuses a directory that is not a git repository', async () => {
    const gym = await makeGym();
    const gymContext = await readGymContext(await loadGymSpec(gym.specPath));
    const directory = await makeTemporaryDirectory('not-git');
    const source = createGitHistorySource({ directory });
    const error = await collectCandidates({ gym: gymContext, source, outputPath: path.join(directory, 'out.jsonl') }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'GIT_SOURCE_NOT_A_REPOSITORY', kind: 'user' });
  });
});

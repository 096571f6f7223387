import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJsonlPullRequests, rowToSourcePR } from '../../src/sources/jsonl.js';

const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures', 'sources');

describe('JSONL source', () => {
  it('reads SWE-bench rows: number from instance_id, problem statement as the issue, test patch kept apart', async () => {
    const { pullRequests, problems } = await readJsonlPullRequests(path.join(FIXTURES, 'swe-bench.jsonl'));
    expect(problems.map((problem) => problem.line)).toEqual([2, 4]);
    expect(problems[1]?.message).toContain('patch');
    expect(pullRequests.map((pr) => `${pr.repo}#${pr.number}`)).toEqual(['acme/semver-tool#101', 'acme/semver-tool#102', 'acme/semver-tool#101']);
    const first = pullRequests[0];
    expect(first).toMatchObject({ origin: 'jsonl', title: 'parse() rejects a leading v', mergedAt: '2024-03-01T10:00:00Z', url: 'https://github.com/acme/semver-tool/pull/101' });
    expect(first?.issues[0]?.body).toContain("parse('v1.2.3') raises ValueError.");
    expect(first?.diff).toContain('semver/parse.py');
    expect(first?.diff).not.toContain('tests/test_parse.py');
    expect(first?.testPatch).toContain('tests/test_parse.py');
  });

  it('reads Multi-SWE-bench rows with their resolved issues', async () => {
    const { pullRequests, problems } = await readJsonlPullRequests(path.join(FIXTURES, 'multi-swe-bench.jsonl'));
    expect(problems).toEqual([{ line: 3, message: expect.stringContaining('number') }]);
    expect(pullRequests[0]).toMatchObject({
      repo: 'beta/versions',
      number: 7,
      title: 'Keep build metadata on bump',
      issues: [{ number: 6, title: 'bump drops build metadata', body: '1.0.0+b1 bumps to 1.0.1' }],
    });
    expect(pullRequests[0]?.testPatch).toContain('tests/test_bump.py');
    expect(pullRequests[1]?.issues).toEqual([]);
  });

  it('detects the shape per row and explains rows of neither shape', () => {
    expect('problem' in rowToSourcePR({ hello: 'world' })).toBe(true);
    expect('problem' in rowToSourcePR([1, 2])).toBe(true);
    const swe = rowToSourcePR({ repo: 'a/b', instance_id: 'a__b-5', patch: '' });
    expect('pr' in swe && swe.pr.number).toBe(5);
  });

  it('names an unreadable input as a user error', async () => {
    await expect(readJsonlPullRequests('/nonexistent/rows.jsonl')).rejects.toMatchObject({ code: 'JSONL_INPUT_UNREADABLE', kind: 'user' });
  });
});

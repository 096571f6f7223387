import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadGymSpec } from '../../src/config/load-gym-spec.js';
import { collectCandidates, readCandidates, type CollectEvent } from '../../src/sources/collect-candidates.js';
import { createGitHubClient, type GitHubEvent } from '../../src/sources/github/client.js';
import { createGitHubSource } from '../../src/sources/github/source.js';
import { readGymContext } from '../../src/sources/gym-context.js';
import { startGitHubStandIn, type GitHubStandIn } from '../../src/testing/github-server.js';
import { createScriptedModel } from '../../src/testing/scripted-model.js';
import { makeGym, makeTemporaryDirectory, standInRepositories } from './helpers.js';

const KEYWORDS_ANSWER = 'Here you go:\n```json\n["semantic versioning", "version parsing", "version ranges", "semver", "version bump"]\n```';

let server: GitHubStandIn | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setUp() {
  server = await startGitHubStandIn({ repositories: standInRepositories() });
  const gym = await makeGym();
  const gymContext = await readGymContext(await loadGymSpec(gym.specPath));
  const work = await makeTemporaryDirectory('github');
  return { server, gymContext, work, cacheDirectory: path.join(work, 'cache'), out: path.join(work, 'candidates.jsonl') };
}

async function run(setup: Awaited<ReturnType<typeof setUp>>, out: string, options: { model?: ReturnType<typeof createScriptedModel>; query?: string } = {}) {
  const githubEvents: GitHubEvent[] = [];
  const events: CollectEvent[] = [];
  const client = createGitHubClient({ baseUrl: setup.server.url, token: 'test-token', cacheDirectory: setup.cacheDirectory, waitScale: 0.2, onEvent: (event) => githubEvents.push(event) });
  const source = createGitHubSource({
    client,
    gym: setup.gymContext,
    model: options.model,
    query: options.query,
    maxRepositories: 5,
    pageSize: 2,
    checkpointPath: `${out}.progress.json`,
  });
  const result = await collectCandidates({ gym: setup.gymContext, source, outputPath: out, onEvent: (event) => events.push(event) });
  return { result, githubEvents, events, client };
}

describe('GitHub source against the stand-in server', () => {
  it('finds repositories from model keywords and collects merged PRs with their closing issues', async () => {
    const setup = await setUp();
    const model = createScriptedModel([KEYWORDS_ANSWER]);
    const { result, events } = await run(setup, setup.out, { model });

    expect(model.calls).toHaveLength(1);
    expect(model.calls[0]?.messages.at(-1)?.content).toContain('Parse, compare and bump semantic version strings');
    const keywords = events.find((event) => event.type === 'keywords');
    expect(keywords).toMatchObject({ keywords: ['semantic versioning', 'version parsing', 'version ranges', 'semver', 'version bump'] });
    const search = setup.server.requests.find((request) => request.path === '/search/repositories');
    expect(search?.query.q).toBe('"semantic versioning" OR "version parsing" OR "version ranges" OR semver OR "version bump"');
    // The gym's own repository (origin remote) is excluded although it has the most stars.
    expect(events.find((event) => event.type === 'repositories')).toMatchObject({ repositories: ['acme/semver-tool', 'beta/versions'] });

    const { candidates } = await readCandidates(setup.out);
    const byNumber = new Map(candidates.map((candidate) => [`${candidate.source.repo}#${candidate.source.number}`, candidate]));
    expect([...byNumber.keys()].sort()).toEqual(['acme/semver-tool#10', 'acme/semver-tool#11', 'acme/semver-tool#12', 'acme/semver-tool#7', 'acme/semver-tool#8', 'acme/semver-tool#9', 'beta/versions#2']);
    // Via GraphQL closingIssuesReferences.
    expect(byNumber.get('acme/semver-tool#12')?.source.issues).toEqual([{ number: 5, title: 'Parse fails on leading v', body: 'parse("v1.2.3") raises ValueError' }]);
    expect(byNumber.get('acme/semver-tool#12')?.source.diff).toContain('semver/parse.py');
    expect(byNumber.get('acme/semver-tool#12')?.ruleVerdict).toEqual({ kept: true, reason: 'passed' });
    // Via "Fixes #4" in the body, then the issue fetched over REST.
    expect(byNumber.get('acme/semver-tool#11')?.source.issues).toEqual([{ number: 4, title: 'Prerelease ordering wrong', body: '1.0.0-alpha sorts after 1.0.0' }]);
    // Via "Closes #3" in a commit message.
    expect(byNumber.get('acme/semver-tool#10')?.source.issues.map((issue) => issue.number)).toEqual([3]);
    expect(byNumber.get('beta/versions#2')?.source.issues.map((issue) => issue.number)).toEqual([1]);
    expect(byNumber.get('acme/semver-tool#9')?.ruleVerdict.reason).toBe('not-merged');
    expect(byNumber.get('acme/semver-tool#9')?.source.diff).toBe('');
    expect(byNumber.get('acme/semver-tool#8')?.ruleVerdict.reason).toBe('only-docs-ci-lock-or-tests');
    expect(byNumber.get('acme/semver-tool#7')?.ruleVerdict.reason).toBe('no-linked-issue');
    expect(byNumber.get('acme/semver-tool#7')?.source.diff).toBe('');
    expect(result.run.kept).toBe(4);
    expect(result.run.droppedByRule['not-merged']).toBe(1);

    // Link-header pagination: three pages of two PRs for acme/semver-tool.
    const pages = setup.server.requests.filter((request) => request.path === '/repos/acme/semver-tool/pulls').map((request) => request.query.page ?? '1');
    expect(pages).toEqual(['1', '2', '3']);
    // No diff was fetched for PRs the metadata rules dropped.
    const diffs = setup.server.requests.filter((request) => request.accept.includes('diff')).map((request) => request.path);
    expect(diffs).not.toContain('/repos/acme/semver-tool/pulls/9');
    expect(diffs).not.toContain('/repos/acme/semver-tool/pulls/7');
  });

  it('answers a rerun from the cache: 304s into a new output, no requests at all when the output is complete', async () => {
    const setup = await setUp();
    await run(setup, setup.out, { query: 'semantic versioning' });
    const firstCount = setup.server.requests.length;

    const second = await run(setup, path.join(setup.work, 'second.jsonl'), { query: 'semantic versioning' });
    const secondRequests = setup.server.requests.slice(firstCount);
    expect(secondRequests.length).toBe(firstCount);
    expect(secondRequests.every((request) => request.status === 304 && request.hadIfNoneMatch)).toBe(true);
    expect(second.client.cacheStats.notModified).toBe(firstCount);
    expect(await readFile(path.join(setup.work, 'second.jsonl'), 'utf8')).toBe(await readFile(setup.out, 'utf8'));

    const beforeThird = setup.server.requests.length;
    const third = await run(setup, setup.out, { query: 'semantic versioning' });
    expect(setup.server.requests.length).toBe(beforeThird);
    expect(third.result.run.seen).toBe(0);
    expect(third.result.total.kept).toBe(4);
  });

  it('waits out primary and secondary rate limits and retries a 502, saying so', async () => {
    const setup = await setUp();
    setup.server.addFault({ kind: 'primary-rate-limit', match: /^GET \/repos\/acme\/semver-tool\/pulls$/ });
    setup.server.addFault({ kind: 'secondary-rate-limit', match: /^GET \/repos\/acme\/semver-tool\/issues\/4$/ });
    setup.server.addFault({ kind: 'bad-gateway', match: /^GET \/repos\/beta\/versions\/pulls\/2$/ });
    const started = Date.now();
    const { githubEvents, result } = await run(setup, setup.out, { query: 'semantic versioning' });
    const waits = githubEvents.filter((event) => event.type === 'rate-limit-wait');
    expect(waits.map((event) => event.limit).sort()).toEqual(['primary', 'secondary']);
    const primary = waits.find((event) => event.limit === 'primary');
    expect(primary?.seconds).toBeGreaterThanOrEqual(1);
    expect(primary?.seconds).toBeLessThanOrEqual(3);
    expect(waits.find((event) => event.limit === 'secondary')).toMatchObject({ seconds: 1, request: 'GET /repos/acme/semver-tool/issues/4' });
    expect(githubEvents.some((event) => event.type === 'retry' && event.status === 502)).toBe(true);
    expect(githubEvents.some((event) => event.type === 'api-budget')).toBe(true);
    expect(result.run.kept).toBe(4);
    const statuses = setup.server.requests.map((request) => request.status);
    expect(statuses.filter((status) => status === 403)).toHaveLength(2);
    expect(statuses.filter((status) => status === 502)).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThan(200);
  });
});

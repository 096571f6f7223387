import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUDGET_REACHED, BudgetGuard } from '../../src/budget/budget-guard.js';
import { SharedSpend, sharedSpendKey, storeIdentity, withSharedBudget } from '../../src/budget/shared-spend.js';
import { loadGymSpec } from '../../src/config/load-gym-spec.js';
import type { ChatModel } from '../../src/core/model.js';
import { computeSpecHash } from '../../src/gym/gym-source.js';
import { parseQueueLocation } from '../../src/queue/connection.js';
import { loadJobGym, publishGym } from '../../src/queue/job-gym.js';
import { MIRROR_JOB_SCHEMA_VERSION, parseMirrorJobResult, type MirrorJobResult } from '../../src/queue/mirror-job.js';
import { writeMirrorResult } from '../../src/queue/queue-mirror-stage.js';
import { Store } from '../../src/store/store.js';
import { PYTHON_GYM_SPEC, REPOSITORY_ROOT } from '../support/pipeline-cli.js';
import { JOB_SOURCE } from './queue-harness.js';
import { REDIS_IS_UP, flushTestDatabase, testRedisUrl } from './redis-for-tests.js';

const DATABASE = 4;

/** A model whose every answer costs $1, counting how often it was really asked. */
function dollarModel(): ChatModel & { calls: number } {
  const model = {
    id: 'dollar',
    calls: 0,
    async complete() {
      model.calls += 1;
      return { texts: ['ok'], model: 'm', usage: { inputTokens: 10, outputTokens: 1 }, costUsd: 1, latencyMs: 1, requestHash: `h${model.calls}`, cached: false };
    },
  };
  return model;
}

describe.skipIf(!REDIS_IS_UP)('queue gyms and budgets, part by part, against a real Redis', { timeout: 120_000 }, () => {
  const location = parseQueueLocation(testRedisUrl(DATABASE), 'swe-mirror-budget-parts');
  let redis: Redis;

  beforeAll(async () => {
    await flushTestDatabase(DATABASE);
    redis = new Redis(location.url);
  });
  afterAll(() => redis?.disconnect());

  it("rebuilds a gym from Redis alone on another data folder, with the coordinator's spec hash", async () => {
    // The coordinator's copy of the gym, deleted once published: the worker reads nothing of it.
    const checkout = await mkdtemp(path.join(tmpdir(), 'swe-mirror-job-gym-checkout-'));
    await cp(path.dirname(PYTHON_GYM_SPEC), checkout, { recursive: true });
    const coordinator = await loadGymSpec(path.join(checkout, 'gym.yaml'));
    const expected = await computeSpecHash(coordinator);
    const files = await publishGym(redis, location.prefix, coordinator);
    expect(files).toMatchObject({ name: 'python-pytest', repoKind: 'directory' });
    await rm(checkout, { recursive: true, force: true });

    const workerData = await mkdtemp(path.join(tmpdir(), 'swe-mirror-job-gym-worker-'));
    const loaded = await loadJobGym(redis, location.prefix, workerData, files);
    expect(loaded.repoLocation.startsWith(workerData)).toBe(true);
    expect(loaded.text).toBe(coordinator.text);
    expect(await computeSpecHash(loaded)).toBe(expected);
    // Packed twice, the same bytes: the same blob.
    await cp(path.dirname(PYTHON_GYM_SPEC), checkout, { recursive: true });
    expect((await publishGym(redis, location.prefix, await loadGymSpec(path.join(checkout, 'gym.yaml')))).repoBlob).toBe(files.repoBlob);
  });

  it("rebuilds each of the demo's gyms (python, go, javascript, rust) with the coordinator's spec hash", async () => {
    const demoGyms = path.join(REPOSITORY_ROOT, 'examples', 'demo', 'gyms');
    const specs = readdirSync(demoGyms).filter((name) => name.endsWith('.yaml'));
    expect(specs.length).toBeGreaterThanOrEqual(4);
    const workerData = await mkdtemp(path.join(tmpdir(), 'swe-mirror-job-gym-demo-'));
    for (const spec of specs) {
      const coordinator = await loadGymSpec(path.join(demoGyms, spec));
      const loaded = await loadJobGym(redis, location.prefix, workerData, await publishGym(redis, location.prefix, coordinator));
      expect(await computeSpecHash(loaded), spec).toBe(await computeSpecHash(coordinator));
    }
  });

  it("rebuilds a Dockerfile gym with its build context from Redis alone, with the coordinator's spec hash", async () => {
    // The docker fixture gym (its Dockerfile beside the spec), its source and spec copied, then deleted once published.
    const checkout = await mkdtemp(path.join(tmpdir(), 'swe-mirror-job-gym-docker-'));
    await cp(path.join(REPOSITORY_ROOT, 'test', 'runtime', 'docker-fixtures'), path.join(checkout, 'docker'), { recursive: true });
    await cp(path.dirname(PYTHON_GYM_SPEC), path.join(checkout, 'source'), { recursive: true });
    const spec = path.join(checkout, 'docker', 'python-pytest.yaml');
    await writeFile(spec, (await readFile(spec, 'utf8')).replace(/^repo: .*$/m, 'repo: ../source'));
    const coordinator = await loadGymSpec(spec);
    const dockerfile = await readFile(path.join(checkout, 'docker', 'python.Dockerfile'), 'utf8');
    const expected = await computeSpecHash(coordinator);
    const files = await publishGym(redis, location.prefix, coordinator);
    expect(files.dockerContext?.dockerfile).toBe('python.Dockerfile');
    await rm(checkout, { recursive: true, force: true });

    const workerData = await mkdtemp(path.join(tmpdir(), 'swe-mirror-job-gym-docker-worker-'));
    const loaded = await loadJobGym(redis, location.prefix, workerData, files);
    expect(loaded.spec.docker?.dockerfile?.startsWith(workerData)).toBe(true);
    expect(await readFile(loaded.spec.docker?.dockerfile as string, 'utf8')).toBe(dockerfile);
    expect(loaded.spec.docker?.context).toBe(path.dirname(loaded.spec.docker?.dockerfile as string));
    expect(await computeSpecHash(loaded)).toBe(expected);
    // Without the context the Dockerfile is missing and the hash differs: the test above would catch a context that did not travel.
    const { dockerContext: _context, ...withoutContext } = files;
    expect(await computeSpecHash(await loadJobGym(redis, location.prefix, workerData, withoutContext))).not.toBe(expected);
  });

  it("rebuilds a git repository gym and a git bundle gym with the coordinator's spec hash and commit", async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'swe-mirror-job-gym-git-'));
    const repo = path.join(root, 'repo');
    await cp(path.dirname(PYTHON_GYM_SPEC), repo, { recursive: true });
    const git = (cwd: string, ...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' }).trim();
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'fixture');
    const head = git(repo, 'rev-parse', 'HEAD');
    git(repo, 'bundle', 'create', '-q', path.join(root, 'repo.bundle'), '--all');
    const spec = (await readFile(PYTHON_GYM_SPEC, 'utf8')).replace('repo: .', 'repo: REPO');
    await writeFile(path.join(root, 'git.yaml'), spec.replace('REPO', './repo'));
    await writeFile(path.join(root, 'bundle.yaml'), spec.replace('REPO', './repo.bundle'));
    for (const [name, kind] of [['git.yaml', 'directory'], ['bundle.yaml', 'bundle']] as const) {
      const coordinator = await loadGymSpec(path.join(root, name));
      const files = await publishGym(redis, location.prefix, coordinator);
      expect(files.repoKind).toBe(kind);
      const loaded = await loadJobGym(redis, location.prefix, await mkdtemp(path.join(tmpdir(), 'swe-mirror-job-gym-git-worker-')), files);
      expect(await computeSpecHash(loaded), name).toBe(await computeSpecHash(coordinator));
      expect(git(kind === 'bundle' ? root : loaded.repoLocation, ...(kind === 'bundle' ? ['bundle', 'list-heads', loaded.repoLocation] : ['rev-parse', 'HEAD']))).toContain(head);
    }
  });

  it('holds a spend cap across workers: each call is checked against every worker’s spend, the refused one is never asked', async () => {
    const key = sharedSpendKey(location.prefix, 'store-under-test');
    await new SharedSpend(redis, key).seed({ totalUsd: 2, byGymUsd: new Map([['g', 2]]) });
    const limits = { maxCostUsd: 3 };
    const other = new Redis(location.url);
    try {
      // Two workers, each with its own connection, guard and model.
      const first = dollarModel();
      const second = dollarModel();
      const onFirst = withSharedBudget(first, new BudgetGuard(limits), new SharedSpend(redis, key), { gym: 'g', candidateId: 1 });
      const onSecond = withSharedBudget(second, new BudgetGuard(limits), new SharedSpend(other, key), { gym: 'g', candidateId: 2 });
      await onFirst.complete({ messages: [{ role: 'user', content: 'a' }], step: 'distill' });
      await expect(onSecond.complete({ messages: [{ role: 'user', content: 'b' }], step: 'distill' })).rejects.toMatchObject({ code: BUDGET_REACHED, details: { limit: 'maxCostUsd', limitUsd: 3, spentUsd: 3 } });
      expect([first.calls, second.calls]).toEqual([1, 0]);
      const spend = await new SharedSpend(other, key).read(['g']);
      expect(spend).toEqual({ totalUsd: 3, byGymUsd: new Map([['g', 3]]) });
    } finally {
      other.disconnect();
    }
  });

  it('keeps a per-gym cap per gym: another gym’s candidates go on', async () => {
    const key = sharedSpendKey(location.prefix, 'per-gym');
    await new SharedSpend(redis, key).seed({ totalUsd: 1, byGymUsd: new Map([['a', 1]]) });
    const limits = { maxCostUsdPerGym: 1 };
    const model = dollarModel();
    await expect(withSharedBudget(model, new BudgetGuard(limits), new SharedSpend(redis, key), { gym: 'a', candidateId: 1 }).complete({ messages: [], step: 'distill' })).rejects.toMatchObject({
      code: BUDGET_REACHED,
      details: { limit: 'maxCostUsdPerGym', gym: 'a' },
    });
    await withSharedBudget(model, new BudgetGuard(limits), new SharedSpend(redis, key), { gym: 'b', candidateId: 2 }).complete({ messages: [], step: 'distill' });
    expect(model.calls).toBe(1);
  });

  it('writes a stopped job as the local run leaves it: candidate pending, its paid calls counted, its checkpoint kept', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-queue-stopped-'));
    const store = Store.open(path.join(directory, 'state.sqlite'));
    try {
      store.addCandidates('g', [{ source: JOB_SOURCE, ruleVerdict: { kept: true, reason: 'ok' }, skipLlmFilter: true }]);
      const candidate = store.candidatesAt('pending-mirror')[0]!;
      const stop = { limit: 'maxCostUsd' as const, limitUsd: 3, spentUsd: 3, message: 'The run reached limits.maxCostUsd: $3.0000 spent of $3.0000.', at: new Date().toISOString() };
      const result: MirrorJobResult = {
        schemaVersion: MIRROR_JOB_SCHEMA_VERSION,
        kind: 'mirror',
        instanceId: 'g__example__versionkit-7',
        stopped: { stop, resume: { steps: [], interrupted: { step: 'test-localize' } } },
        modelCalls: [{ step: 'distill', model: 'm', requestHash: 'abc', inputTokens: 1, outputTokens: 2, costUsd: 1, latencyMs: 5, cached: false }],
        worker: 'host:1',
      };
      expect(parseMirrorJobResult(result)).toEqual(result);
      expect(parseMirrorJobResult({ ...result, stopped: undefined })).toBeUndefined();
      expect(writeMirrorResult(store, candidate.id, result)).toBe(true);
      expect(store.candidatesAt('pending-mirror').map((row) => row.id)).toEqual([candidate.id]);
      expect(store.interruptedAttempt(candidate.id)).toEqual(result.stopped?.resume);
      expect((store.database.prepare('SELECT COALESCE(SUM(cost_usd), 0) AS cost FROM model_calls').get() as { cost: number }).cost).toBe(1);
      // The store keeps its own id, the name of its spend in Redis, across openings.
      const id = storeIdentity(store);
      expect(storeIdentity(store)).toBe(id);
    } finally {
      store.close();
    }
  });
});

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { makeSource, makeTask } from '../support/records.js';
import { SweMirrorError } from '../../src/core/errors.js';
import { readFunnel } from '../../src/store/funnel.js';
import { LATEST_SCHEMA_VERSION } from '../../src/store/migrations.js';
import { Store } from '../../src/store/store.js';

async function temporaryStorePath(): Promise<string> {
  return path.join(await mkdtemp(path.join(tmpdir(), 'swe-mirror-store-')), 'store.sqlite');
}

describe('Store', () => {
  it('migrates a new file to the latest schema and reopens it', async () => {
    const file = await temporaryStorePath();
    Store.open(file).close();
    const store = Store.open(file);
    expect(store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    store.close();
  });

  it('refuses a store written by a newer version', async () => {
    const file = await temporaryStorePath();
    const raw = new Database(file);
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    raw.close();
    const error = (() => {
      try {
        Store.open(file);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(SweMirrorError);
    expect((error as SweMirrorError).code).toBe('STORE_TOO_NEW');
  });

  it('adds candidates idempotently and routes them by rule verdict', async () => {
    const store = Store.open(await temporaryStorePath());
    const items = [
      { source: makeSource(1), ruleVerdict: { kept: true, reason: 'ok' } },
      { source: makeSource(2), ruleVerdict: { kept: false, reason: 'docs-only', detail: 'only README.md changed' } },
    ];
    expect(store.addCandidates('demo', items)).toBe(2);
    expect(store.addCandidates('demo', items)).toBe(0);
    expect(store.candidatesAt('pending-llm-filter').map((candidate) => candidate.source.number)).toEqual([1]);
    expect(store.candidatesAt('dropped-by-rules')[0]?.lossRule).toBe('docs-only');
    expect(store.candidatesAt('dropped-by-rules')[0]?.lossReason).toBe('only README.md changed');
    store.close();
  });

  it('saves a mirror outcome once, with its task, and the funnel counts it', async () => {
    const store = Store.open(await temporaryStorePath());
    store.addCandidates('demo', [
      { source: makeSource(1), ruleVerdict: { kept: true, reason: 'ok' } },
      { source: makeSource(2), ruleVerdict: { kept: true, reason: 'ok' } },
      { source: makeSource(3), ruleVerdict: { kept: false, reason: 'too-large' } },
    ]);
    const [first, second] = store.candidatesAt('pending-llm-filter');
    store.saveLlmVerdict(first!.id, { kept: true, reason: 'related functionality exists' });
    store.saveLlmVerdict(second!.id, { kept: false, reason: 'docs change' });
    const task = makeTask('demo-1');
    expect(store.saveMirrorOutcome(first!.id, { stage: 'verified', attempt: { steps: [] }, costUsd: 0.5, task })).toBe(true);
    expect(store.saveMirrorOutcome(first!.id, { stage: 'verified', attempt: { steps: [] }, costUsd: 0.5, task })).toBe(false);
    store.recordModelCall({ candidateId: first!.id, step: 'distill', model: 'm', requestHash: 'h', inputTokens: 10, outputTokens: 5, costUsd: 0.1, latencyMs: 3, cached: false });
    const funnel = readFunnel(store);
    expect(funnel.totals).toEqual({ 'dropped-by-rules': 1, 'rejected-by-llm': 1, verified: 1 });
    expect(funnel.tasks).toBe(1);
    expect(funnel.topLosses.map((loss) => [loss.stage, loss.rule, loss.count])).toEqual([
      ['llm-filter', 'not-mirrorable', 1],
      ['rules', 'too-large', 1],
    ]);
    expect(funnel.model).toMatchObject({ calls: 1, inputTokens: 10, outputTokens: 5 });
    expect(store.listTasks().map((stored) => stored.instanceId)).toEqual(['demo-1']);
    store.markDuplicates([{ instanceId: 'demo-1', duplicateOf: 'other', reason: 'same-fix' }]);
    expect(store.listTasks()).toEqual([]);
    expect(readFunnel(store).duplicates).toBe(1);
    store.close();
  });

  it('inserts 10,000 candidates in one transaction quickly enough to be usable', async () => {
    const store = Store.open(await temporaryStorePath());
    const items = Array.from({ length: 10_000 }, (_, index) => ({ source: makeSource(index + 1), ruleVerdict: { kept: index % 2 === 0, reason: 'x' } }));
    expect(store.addCandidates('demo', items)).toBe(10_000);
    expect(readFunnel(store).candidates).toBe(10_000);
    store.close();
  });
});

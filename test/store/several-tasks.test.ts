/** Several tasks per candidate in the store: saved together, migrated from a schema-2 store, deduplicated per task. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { planDuplicates } from '../../src/dataset/dedup.js';
import { readFunnel } from '../../src/store/funnel.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { Store } from '../../src/store/store.js';
import { makeSource, makeTask } from '../support/records.js';

async function temporaryStorePath(): Promise<string> {
  return path.join(await mkdtemp(path.join(tmpdir(), 'swe-mirror-store-')), 'store.sqlite');
}

describe('several tasks per candidate', () => {
  it('saves every variant of a candidate, lists them in variant order, and counts tasks per candidate', async () => {
    const store = Store.open(await temporaryStorePath());
    store.addCandidates('demo', [1, 2].map((number) => ({ source: makeSource(number), ruleVerdict: { kept: true, reason: 'ok' }, skipLlmFilter: true })));
    const [first, second] = store.candidatesAt('pending-mirror');
    const tasks = [makeTask('demo-1'), makeTask('demo-1-v2', { variant: 1 })];
    expect(store.saveMirrorOutcome(first!.id, { stage: 'verified', attempt: { steps: [] }, costUsd: 0, task: tasks[0], tasks })).toBe(true);
    store.saveMirrorOutcome(second!.id, { stage: 'verified', attempt: { steps: [] }, costUsd: 0, task: makeTask('demo-2') });
    expect(store.listTasks().map((task) => task.instanceId)).toEqual(['demo-1', 'demo-1-v2', 'demo-2']);
    expect(readFunnel(store).tasksPerCandidate).toEqual({ candidates: 2, tasks: 3, mostFromOne: 2 });
    store.close();
  });

  it('marks a candidate duplicate only once none of its tasks is left', async () => {
    const store = Store.open(await temporaryStorePath());
    store.addCandidates('demo', [1, 2].map((number) => ({ source: makeSource(number), ruleVerdict: { kept: true, reason: 'ok' }, skipLlmFilter: true })));
    const [first, second] = store.candidatesAt('pending-mirror');
    const original = makeTask('demo-1');
    // The second candidate's variant 0 repeats the first's FAIL_TO_PASS; its variant 1 is new.
    const repeat = makeTask('demo-2', { FAIL_TO_PASS: original.FAIL_TO_PASS });
    const fresh = makeTask('demo-2-v2', { variant: 1 });
    store.saveMirrorOutcome(first!.id, { stage: 'verified', attempt: {}, costUsd: 0, task: original });
    store.saveMirrorOutcome(second!.id, { stage: 'verified', attempt: {}, costUsd: 0, task: repeat, tasks: [repeat, fresh] });
    const marks = planDuplicates(store.listTasks());
    expect(marks).toEqual([{ instanceId: 'demo-2', duplicateOf: 'demo-1', reason: 'same-fail-to-pass' }]);
    store.markDuplicates(marks);
    expect(readFunnel(store).totals).toEqual({ verified: 2 });
    expect(store.listTasks().map((task) => task.instanceId)).toEqual(['demo-1', 'demo-2-v2']);
    // Once its last task is a duplicate too, the candidate is.
    store.markDuplicates([{ instanceId: 'demo-2-v2', duplicateOf: 'demo-1', reason: 'same-fix' }]);
    expect(readFunnel(store).totals).toEqual({ verified: 1, duplicate: 1 });
    store.close();
  });

  it('migrates a schema-2 store: its tasks keep their ids as variant 0, and a second variant can be added', async () => {
    const file = await temporaryStorePath();
    const raw = new Database(file);
    for (const migration of MIGRATIONS.filter((migration) => migration.version <= 2)) raw.exec(migration.sql);
    raw.pragma('user_version = 2');
    raw.prepare("INSERT INTO source_prs (id, repo, number, origin, record_json, schema_version) VALUES (1, 'acme/widgets', 1, 'jsonl', ?, 1)").run(JSON.stringify(makeSource(1)));
    raw.prepare("INSERT INTO candidates (id, gym, source_pr_id, stage, updated_at, schema_version) VALUES (1, 'demo', 1, 'verified', 'now', 1)").run();
    raw
      .prepare("INSERT INTO tasks (instance_id, candidate_id, gym, language, fail_to_pass_key, fix_hash, record_json, schema_version, created_at) VALUES ('demo-1', 1, 'demo', 'python', '[]', 'h', ?, 1, 'now')")
      .run(JSON.stringify(makeTask('demo-1')));
    raw.close();

    const store = Store.open(file);
    expect(store.listTasks().map((task) => task.instanceId)).toEqual(['demo-1']);
    const row = store.database.prepare('SELECT variant FROM tasks').get() as { variant: number };
    expect(row.variant).toBe(0);
    expect(() =>
      store.database
        .prepare("INSERT INTO tasks (instance_id, candidate_id, variant, gym, language, fail_to_pass_key, fix_hash, record_json, schema_version, created_at) VALUES ('demo-1-v2', 1, 1, 'demo', 'python', '[]', 'h2', '{}', 1, 'now')")
        .run(),
    ).not.toThrow();
    store.close();
  });
});

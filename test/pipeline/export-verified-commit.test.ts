/**
 * Export is the verified state (issue 10 item 6): a task is exported on the gym commit it was verified on.
 * After the gym spec changes and the gym is prepared at a new commit, export refuses the old task, a run
 * leaves it out saying so, and `--reverify` verifies it again on the new commit. Real gym, real verification.
 */
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadGymSpec } from '../../src/config/load-gym-spec.js';
import { RECORD_SCHEMA_VERSION, type Task } from '../../src/core/records.js';
import { SweMirrorError } from '../../src/core/errors.js';
import type { PreparedGym } from '../../src/gym/types.js';
import { exportFromStore } from '../../src/pipeline/export-from-store.js';
import { prepareGyms } from '../../src/pipeline/prepare-gyms.js';
import { createLocalRuntime } from '../../src/runtime/local.js';
import { Store } from '../../src/store/store.js';
import { verifyTask } from '../../src/verify/verify-task.js';
import { FIXTURE_GYMS } from '../mirror/mirror-fixtures.js';
import { hasStackTrace, runCli } from '../support/pipeline-cli.js';
import { makeSource } from '../support/records.js';

const runtime = createLocalRuntime();
const quiet = { onEvent: () => undefined, close: () => undefined };

async function prepareInto(store: Store, specPath: string, dataDirectory: string): Promise<PreparedGym> {
  const gyms = await prepareGyms({ specPaths: [specPath], store, runtime, dataDirectory, reporter: quiet });
  return gyms.get('python-pytest') as PreparedGym;
}

describe('export on the verified commit', () => {
  let root: string;
  let store: Store;
  let specPath: string;
  let dataDirectory: string;
  let firstCommit: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'swe-mirror-export-commit-'));
    const gymDirectory = path.join(root, 'gym');
    await cp(path.join(FIXTURE_GYMS, 'python-pytest'), gymDirectory, { recursive: true });
    specPath = path.join(gymDirectory, 'gym.yaml');
    dataDirectory = path.join(root, 'data');
    store = Store.open(path.join(root, 'state.sqlite'));
    const gym = await prepareInto(store, specPath, dataDirectory);
    firstCommit = gym.commit;
    const patches = {
      mirror: await readFile(path.join(gymDirectory, 'tasks', 'valid', 'mirror.patch'), 'utf8'),
      test: await readFile(path.join(gymDirectory, 'tasks', 'valid', 'test.patch'), 'utf8'),
    };
    const { invertPatch } = await import('../../src/edits/patch.js');
    const fix = invertPatch(patches.mirror);
    const verdict = await verifyTask(gym, { ...patches, fix }, { runtime, repeats: { run: 1, test: 1, fix: 1 }, reruns: 0 });
    expect(verdict.valid).toBe(true);
    store.addCandidates('python-pytest', [{ source: makeSource(1), ruleVerdict: { kept: true, reason: 'ok' }, skipLlmFilter: true }]);
    const [candidate] = store.candidatesAt('pending-mirror');
    const task: Task = {
      schemaVersion: RECORD_SCHEMA_VERSION,
      instanceId: 'python-pytest__acme__widgets-1',
      gym: 'python-pytest',
      language: 'python',
      repo: 'swe-mirror/python-pytest',
      baseCommit: gym.commit,
      mirrorPatch: patches.mirror,
      testPatch: patches.test,
      fixPatch: fix,
      problemStatement: '# Pre-release identifiers sort as text',
      FAIL_TO_PASS: verdict.FAIL_TO_PASS,
      PASS_TO_PASS: verdict.PASS_TO_PASS,
      tests: verdict.tests,
      source: { repo: 'acme/widgets', number: 1, url: 'u', issues: [1001] },
      model: 'scripted',
      costUsd: 0,
      createdAt: '2024-01-01T00:00:00.000Z',
      sandbox: verdict.sandbox,
    };
    store.saveMirrorOutcome(candidate!.id, { stage: 'verified', attempt: {}, costUsd: 0, task });

    // The spec changes (one more file left out of the gym), so the gym is prepared at a new commit.
    const spec = await readFile(specPath, 'utf8');
    await writeFile(specPath, spec.replace('sourceExclude: ["tasks/**", "gym.yaml", "gym-junit.yaml"]', 'sourceExclude: ["tasks/**", "gym.yaml", "gym-junit.yaml", "README.md"]'));
    expect((await loadGymSpec(specPath)).spec.sourceExclude).toContain('README.md');
    const moved = await prepareInto(store, specPath, dataDirectory);
    expect(moved.commit).not.toBe(firstCommit);
  }, 300_000);

  it('refuses to export a task verified on another commit, naming it and the ways out', async () => {
    const error = await exportFromStore(store, path.join(root, 'out-refused')).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(SweMirrorError);
    expect((error as SweMirrorError).code).toBe('EXPORT_TASKS_STALE');
    expect((error as SweMirrorError).kind).toBe('user');
    expect((error as SweMirrorError).message).toContain(`python-pytest: 1 task(s) verified on ${firstCommit.slice(0, 12)}`);
    expect((error as SweMirrorError).describe()).toContain('--reverify');
  });

  it('swe-mirror export says so and exits 2, without a stack trace', async () => {
    const result = await runCli(['export', '--store', path.join(root, 'state.sqlite'), '--out', path.join(root, 'out-cli')]);
    expect(result.code, result.output).toBe(2);
    expect(result.stderr).toContain('verified on another commit of their gym');
    expect(result.stderr).toContain('--reverify');
    expect(hasStackTrace(result.stderr)).toBe(false);
  }, 120_000);

  it('leaves it out when asked to (what a run does), and exports nothing on the new commit', async () => {
    const result = await exportFromStore(store, path.join(root, 'out-left-out'), { stale: 'leave-out' });
    expect(result.taskCount).toBe(0);
    expect(result.staleLeftOut.map((task) => task.instanceId)).toEqual(['python-pytest__acme__widgets-1']);
  });

  it('re-verifies it on the new commit with --reverify, and exports it on that commit', async () => {
    const out = path.join(root, 'out-reverified');
    const result = await exportFromStore(store, out, { stale: { reverify: { runtime, verify: { repeats: { run: 1, test: 1, fix: 1 }, reruns: 0 } } } });
    expect(result.reverified?.dropped).toEqual([]);
    expect(result.reverified?.kept.map((task) => task.instanceId)).toEqual(['python-pytest__acme__widgets-1']);
    expect(result.taskCount).toBe(1);
    const [stored] = store.listTasks();
    expect(stored?.reverifiedFrom).toBe(firstCommit);
    expect(stored?.baseCommit).not.toBe(firstCommit);
    const [line] = (await readFile(path.join(out, 'tasks.jsonl'), 'utf8')).trim().split('\n');
    const record = JSON.parse(line as string) as { environment_setup_commit: string };
    expect(record.environment_setup_commit).toBe(stored?.baseCommit);
    // Now current: a plain export works again.
    expect((await exportFromStore(store, path.join(root, 'out-after'))).taskCount).toBe(1);
  }, 300_000);
});

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptLog } from '../../src/mirror/types.js';
import { Store } from '../../src/store/store.js';
import { startScriptedOpenAiServer, type ScriptedServer } from '../../src/testing/index.js';
import { runCli } from '../support/pipeline-cli.js';
import { markedResponder, spawnWorker, writeQueueConfig, type SeenRequest, type WorkerProcess } from './queue-harness.js';
import { REDIS_IS_UP, flushTestDatabase, testRedisUrl } from './redis-for-tests.js';

// Slow: the endpoint fails (503) at candidate 413's statement step; the job throws, and BullMQ tries it
// again after its backoff. The retry continues from the checkpoint the worker wrote back into the job:
// the steps before the statement are neither asked nor checked again.
const DATABASE = 8;

describe.skipIf(!REDIS_IS_UP)('a mirror job interrupted by the endpoint, tried again', { timeout: 600_000 }, () => {
  const queueUrl = testRedisUrl(DATABASE);
  const seen: SeenRequest[] = [];
  let failures = 0;
  let server: ScriptedServer;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    await flushTestDatabase(DATABASE);
    server = await startScriptedOpenAiServer({
      responses: markedResponder(seen, (request) => {
        if (request.step !== 'statement' || request.number !== 413 || failures > 0) return undefined;
        failures += 1;
        return { status: 503 };
      }),
    });
  });

  afterAll(async () => {
    worker?.child.kill('SIGTERM');
    await server?.close();
  });

  it('continues at the failed step: one attempt log with the statement resumed, every earlier step asked once', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-queue-resume-'));
    const dataDirectory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-queue-resume-data-'));
    const config = await writeQueueConfig(directory, server.url);
    worker = spawnWorker(queueUrl, dataDirectory);
    const run = await runCli(['run', '--config', config, '--queue', queueUrl, '--progress', 'plain'], { env: { SWE_MIRROR_DATA_DIR: dataDirectory } });
    expect(run.code, `${run.output}\n--- worker ---\n${worker.output()}`).toBe(0);
    expect(failures).toBe(1);
    expect(worker.output()).toMatch(/start mirror__python-pytest__example__versionkit-413__\S+ \(attempt 2\)/);

    const steps413 = seen.filter((request) => request.number === 413).map((request) => request.step);
    expect(steps413).toEqual(['filter-mirrorability', 'distill', 'test-localize', 'test-generate', 'mirror-localize', 'mirror-generate', 'statement', 'statement']);

    const store = Store.open(path.join(directory, 'out', 'state.sqlite'));
    try {
      const rows = store.database
        .prepare("SELECT c.id, a.status, a.record_json FROM attempts a JOIN candidates c ON c.id = a.candidate_id JOIN source_prs s ON s.id = c.source_pr_id WHERE s.number = 413")
        .all() as Array<{ status: string; record_json: string }>;
      expect(rows.map((row) => row.status)).toEqual(['verified']);
      const attempt = JSON.parse(rows[0]!.record_json) as AttemptLog;
      expect(attempt.resumed?.map((entry) => entry.step)).toEqual(['statement']);
      expect(store.listTasks({ includeDuplicates: true }).map((task) => task.instanceId)).toEqual(['python-pytest__example__versionkit-412', 'python-pytest__example__versionkit-413']);
    } finally {
      store.close();
    }
  });
});

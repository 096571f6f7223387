import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedOpenAiServer, type ScriptedServer } from '../../src/testing/index.js';
import { runCli } from '../support/pipeline-cli.js';
import { holderOfActiveJob, markedResponder, readQueueStore, spawnWorker, writeQueueConfig, type SeenRequest, type WorkerProcess } from './queue-harness.js';
import { REDIS_IS_UP, flushTestDatabase, testRedisUrl } from './redis-for-tests.js';

// Slow: a coordinator and two real worker processes mirror two candidates of the python fixture gym;
// the worker holding candidate 413's job is SIGKILLed while that job waits for a model answer.
const DATABASE = 12;

describe.skipIf(!REDIS_IS_UP)('swe-mirror worker SIGKILLed mid-job', { timeout: 600_000 }, () => {
  const queueUrl = testRedisUrl(DATABASE);
  const seen: SeenRequest[] = [];
  const killed: Array<{ pid: number | undefined; error?: string }> = [];
  let workers: WorkerProcess[] = [];
  let server: ScriptedServer;

  beforeAll(async () => {
    await flushTestDatabase(DATABASE);
    server = await startScriptedOpenAiServer({
      responses: markedResponder(seen, (request) => {
        const isFirstStatement = request.step === 'statement' && request.number === 413 && killed.length === 0;
        if (!isFirstStatement) return undefined;
        killed.push({ pid: undefined });
        // Whichever worker took the job: its own record in Redis names it.
        void holderOfActiveJob(queueUrl, 413).then(
          (pid) => {
            killed[0]!.pid = pid;
            const holder = workers.find((worker) => worker.child.pid === pid);
            if (holder) holder.child.kill('SIGKILL');
            else killed[0]!.error = `no worker of ours holds the job (pid ${pid})`;
          },
          (error: Error) => (killed[0]!.error = error.message),
        );
        return { text: 'never delivered', delayMs: 120_000 };
      }),
    });
  });

  afterAll(async () => {
    for (const worker of workers) worker.child.kill('SIGKILL');
    await server?.close();
  });

  it('re-runs the job on the other worker after the stall interval; the store holds one result per candidate', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-queue-kill-'));
    const dataDirectory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-queue-data-'));
    const config = await writeQueueConfig(directory, server.url);
    workers = [0, 1].map(() => spawnWorker(queueUrl, dataDirectory, ['--stall-seconds', '5']));

    const run = await runCli(['run', '--config', config, '--queue', queueUrl, '--progress', 'plain'], { env: { SWE_MIRROR_DATA_DIR: dataDirectory } });
    expect(run.code, `${run.output}\n--- workers ---\n${workers.map((worker) => worker.output()).join('\n---\n')}`).toBe(0);

    // Exactly one worker was killed, the one that held the job; the other one is still serving.
    expect(killed).toHaveLength(1);
    expect(killed[0]!.error).toBeUndefined();
    const victim = workers.find((worker) => worker.child.pid === killed[0]!.pid)!;
    const survivor = workers.find((worker) => worker !== victim)!;
    expect((await victim.exited).signal).toBe('SIGKILL');
    expect(survivor.child.exitCode).toBeNull();

    // One result per candidate: one attempt each, both candidates verified, one a duplicate of the other.
    const stored = readQueueStore(path.join(directory, 'out', 'state.sqlite'));
    expect(stored.attemptsPerCandidate.map((row) => row.count)).toEqual([1, 1]);
    expect(stored.tasks.map((task) => task.instanceId)).toEqual(['python-pytest__example__versionkit-412', 'python-pytest__example__versionkit-413']);
    expect(stored.tasks.filter((task) => task.duplicateOf === null)).toHaveLength(1);
    expect(stored.tasks.every((task) => task.FAIL_TO_PASS.length > 0)).toBe(true);

    // The job ran again from its start on the survivor, yet every answer the killed worker had
    // received came from the shared cache: only the request left unanswered was asked twice.
    const for413 = seen.filter((request) => request.number === 413);
    const timesAsked = new Map<string, number>();
    for (const request of for413) timesAsked.set(request.hash, (timesAsked.get(request.hash) ?? 0) + 1);
    const asked = [...timesAsked.entries()].map(([hash, count]) => ({ step: for413.find((request) => request.hash === hash)!.step, count }));
    expect(asked.filter((entry) => entry.count > 1)).toEqual([{ step: 'statement', count: 2 }]);
    expect(asked.map((entry) => entry.step).sort()).toEqual(['distill', 'filter-mirrorability', 'mirror-generate', 'mirror-localize', 'statement', 'test-generate', 'test-localize']);
    // The coordinator names the worker each result came from.
    expect(run.output).toMatch(new RegExp(`versionkit-413: ok \\(F2P \\d+, P2P \\d+ \\([^)]*:${survivor.child.pid}\\)\\)`));
    expect(survivor.output()).toMatch(/done mirror__python-pytest__example__versionkit-413__/);

    // Nothing is left on the queue: written results are removed, nothing failed.
    const status = await runCli(['status', '--queue', queueUrl]);
    expect(status.code, status.output).toBe(0);
    expect(status.stdout).toContain('failed 0');
    expect(status.stdout).toContain('dead letters: none');

    survivor.child.kill('SIGTERM');
    expect(await survivor.exited).toEqual({ code: 0, signal: null });
  });
});

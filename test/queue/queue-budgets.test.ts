/**
 * Budgets (limits:) through the queue: a run with limits.maxCostUsd, one coordinator and one worker process,
 * against a scripted OpenAI-protocol server where every call costs exactly $1 (1,000 input tokens at $1,000 per
 * million). It stops as a local run of the same config stops (exit 3, the same reason in `status`), spends no
 * more than the cap and the calls in flight, and a rerun with the cap raised continues the pending candidates.
 * Nothing here waits for a time: the worker takes one job at a time, and the order of the calls is the pipeline's.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { startScriptedOpenAiServer, type ScriptedServer } from '../../src/testing/index.js';
import { PYTHON_ANSWERS, buildStepRouter, runCli, stepOf, writePipelineConfig } from '../support/pipeline-cli.js';
import { spawnWorker, type WorkerProcess } from './queue-harness.js';
import { REDIS_IS_UP, flushTestDatabase, testRedisUrl } from './redis-for-tests.js';

const DATABASE = 5;
const PRICE_LINE = 'prices: { inputPerMillion: 1000, outputPerMillion: 0 }';

async function writeConfig(directory: string, serverUrl: string, limits: string): Promise<string> {
  const config = await writePipelineConfig(directory, serverUrl, { prCount: 2, extraLines: [`limits: ${limits}`] });
  await writeFile(config, (await readFile(config, 'utf8')).replace('model: scripted,', `model: scripted, ${PRICE_LINE},`));
  return config;
}

function readRun(storePath: string) {
  const store = Store.open(storePath);
  try {
    return {
      stages: (store.database.prepare('SELECT stage FROM candidates ORDER BY id').all() as Array<{ stage: string }>).map((row) => row.stage),
      rules: store.database.prepare('SELECT stage, loss_rule AS rule FROM candidates ORDER BY id').all() as Array<{ stage: string; rule: string | null }>,
      calls: store.database.prepare('SELECT candidate_id AS candidate, step FROM model_calls ORDER BY candidate_id, step').all(),
      spent: (store.database.prepare('SELECT COALESCE(SUM(cost_usd), 0) AS cost FROM model_calls').get() as { cost: number }).cost,
    };
  } finally {
    store.close();
  }
}

interface StoppedBy {
  limit: string;
  limitUsd: number;
  spentUsd: number;
  leftPending: number;
  stoppedGyms: string[];
  at: string;
}

async function stoppedBy(config: string): Promise<StoppedBy | undefined> {
  const status = await runCli(['status', '--config', config, '--json']);
  expect(status.code, status.output).toBe(0);
  return (JSON.parse(status.stdout) as { stoppedBy?: StoppedBy }).stoppedBy;
}

/** The status line of a stop without its time, which differs between any two runs. */
async function stopLine(config: string): Promise<string> {
  const status = await runCli(['status', '--config', config]);
  const line = status.stdout.split('\n').find((text) => text.includes('Stopped by a budget')) ?? '';
  return line.replace(/ at \S+:/, ' at <time>:').replace(/\$\d+\.\d+ spent/, '$<spent> spent');
}

describe.skipIf(!REDIS_IS_UP)('budgets through the queue (a coordinator and a worker process)', { timeout: 900_000 }, () => {
  const queueUrl = testRedisUrl(DATABASE);
  let server: ScriptedServer;
  let worker: WorkerProcess | undefined;
  const requests: string[] = [];
  let dataDirectory: string;

  beforeAll(async () => {
    await flushTestDatabase(DATABASE);
    const route = buildStepRouter();
    server = await startScriptedOpenAiServer({
      responses: (body) => {
        requests.push(createHash('sha256').update(JSON.stringify(body)).digest('hex'));
        return { text: PYTHON_ANSWERS[stepOf(body, route)] ?? 'no answer', usage: { inputTokens: 1000, outputTokens: 10 } };
      },
    });
    dataDirectory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-queue-budget-data-'));
  });

  afterAll(async () => {
    worker?.child.kill('SIGTERM');
    await server?.close();
  });

  it('stops at limits.maxCostUsd as a local run does, and a rerun with the cap raised continues the pending candidates', async () => {
    const env = { SWE_MIRROR_DATA_DIR: dataDirectory };
    // The local run of the same config, for what the queue run must match.
    const localDirectory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-queue-budget-local-'));
    const localConfig = await writeConfig(localDirectory, server.url, '{ maxCostUsd: 3 }');
    const local = await runCli(['run', '--config', localConfig, '--progress', 'plain'], { env });
    expect(local.code, local.output).toBe(3);

    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-queue-budget-'));
    const config = await writeConfig(directory, server.url, '{ maxCostUsd: 3 }');
    const storePath = path.join(directory, 'out', 'state.sqlite');
    worker = spawnWorker(queueUrl, dataDirectory);
    requests.length = 0;
    const first = await runCli(['run', '--config', config, '--queue', queueUrl, '--progress', 'plain'], { env });
    const context = `${first.output}\n--- worker ---\n${worker.output()}`;
    expect(first.code, context).toBe(3);
    expect(first.stderr, context).toContain('limits.maxCostUsd');

    // Two filter calls on the coordinator ($2), then the mirror jobs: one call in flight at most (one worker, one job at a time).
    const stopped = readRun(storePath);
    expect(stopped.spent, context).toBeGreaterThanOrEqual(3);
    expect(stopped.spent, context).toBeLessThanOrEqual(3 + 1);
    // Every paid call is in the store: what the server answered is what the store counts.
    expect(stopped.spent).toBe(requests.length);
    expect(stopped.stages).toEqual(['pending-mirror', 'pending-mirror']);

    const queued = await stoppedBy(config);
    const fromLocal = await stoppedBy(localConfig);
    expect(queued).toMatchObject({ limit: 'maxCostUsd', limitUsd: 3, leftPending: 2, stoppedGyms: [] });
    expect(queued?.spentUsd).toBe(stopped.spent);
    expect({ ...queued, spentUsd: 0 }).toEqual({ ...fromLocal, spentUsd: 0, at: queued?.at });
    expect(await stopLine(config)).toBe(await stopLine(localConfig));
    expect(await stopLine(config)).toMatch(/Stopped by a budget .*limits\.maxCostUsd.*2 candidate\(s\) left pending/);
    // A stop is not a failure: no dead letters, nothing left on the queue.
    const queueStatus = await runCli(['status', '--queue', queueUrl, '--json']);
    expect(JSON.parse(queueStatus.stdout)).toMatchObject({ queue: { counts: { failed: 0, waiting: 0, active: 0, completed: 0 }, deadLetters: [] } });

    // Raised: the queue run continues where it stopped, and the stop is cleared.
    await writeFile(config, (await readFile(config, 'utf8')).replace('maxCostUsd: 3', 'maxCostUsd: 100'));
    const second = await runCli(['run', '--config', config, '--queue', queueUrl, '--progress', 'plain'], { env });
    expect(second.code, `${second.output}\n--- worker ---\n${worker.output()}`).toBe(0);
    const finished = readRun(storePath);
    expect(finished.stages.every((stage) => stage === 'verified' || stage === 'duplicate'), finished.stages.join(', ')).toBe(true);
    expect(await stoppedBy(config)).toBeUndefined();
    // No request was asked twice across the two runs: the stopped job's paid answers were kept (Redis cache, checkpoint).
    expect(new Set(requests).size).toBe(requests.length);
    expect(finished.spent).toBe(requests.length);
  });

  it('ends a candidate at maxCallsPerCandidate on the worker as locally, its filter call on the coordinator counted', async () => {
    const env = { SWE_MIRROR_DATA_DIR: dataDirectory };
    const localDirectory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-queue-calls-local-'));
    const local = await runCli(['run', '--config', await writeConfig(localDirectory, server.url, '{ maxCallsPerCandidate: 3 }'), '--progress', 'plain', '--no-export'], { env });
    expect(local.code, local.output).toBe(0);
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-queue-calls-'));
    worker ??= spawnWorker(queueUrl, dataDirectory);
    const queued = await runCli(['run', '--config', await writeConfig(directory, server.url, '{ maxCallsPerCandidate: 3 }'), '--queue', queueUrl, '--progress', 'plain', '--no-export'], { env });
    expect(queued.code, `${queued.output}\n--- worker ---\n${worker.output()}`).toBe(0);
    // filter (on the coordinator), distill, test-localize: then the fourth call (test-generate, on the worker) is refused.
    const expected = [
      { stage: 'mirror-failed', rule: 'budget-calls' },
      { stage: 'mirror-failed', rule: 'budget-calls' },
    ];
    expect(readRun(path.join(localDirectory, 'out', 'state.sqlite')).rules).toEqual(expected);
    expect(readRun(path.join(directory, 'out', 'state.sqlite')).rules).toEqual(expected);
    // The same call rows: the worker's guard counted the candidate's filter call, made before its job, and the
    // refused call is a row ($0, with its error) as locally. Four per candidate, test-generate's the refused one.
    const localCalls = readRun(path.join(localDirectory, 'out', 'state.sqlite')).calls;
    expect(localCalls).toHaveLength(8);
    expect(readRun(path.join(directory, 'out', 'state.sqlite')).calls).toEqual(localCalls);
  });
});

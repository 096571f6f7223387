import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { startScriptedOpenAiServer, type ScriptedHttpResponse, type ScriptedServer } from '../../src/testing/index.js';
import { buildStepRouter, PYTHON_ANSWERS, runCli, stepOf, writePipelineConfig } from '../support/pipeline-cli.js';

// Slow: real pipeline runs of the python fixture gym against a scripted OpenAI-protocol server.
// Every answer reports 1,000 input tokens; at $1,000 per million input tokens each call costs exactly $1.

const PRICE_LINE = 'prices: { inputPerMillion: 1000, outputPerMillion: 0 }';

async function writeConfig(directory: string, serverUrl: string, limits: string): Promise<string> {
  const config = await writePipelineConfig(directory, serverUrl, { prCount: 2, extraLines: [`limits: ${limits}`] });
  const text = await readFile(config, 'utf8');
  await writeFile(config, text.replace('model: scripted,', `model: scripted, ${PRICE_LINE},`));
  return config;
}

function readCandidates(storePath: string) {
  const store = Store.open(storePath);
  try {
    return {
      stages: store.database.prepare('SELECT stage, loss_rule AS rule FROM candidates ORDER BY id').all() as Array<{ stage: string; rule: string | null }>,
      spent: (store.database.prepare('SELECT COALESCE(SUM(cost_usd), 0) AS cost FROM model_calls').get() as { cost: number }).cost,
    };
  } finally {
    store.close();
  }
}

describe('budgets (limits:) against a scripted OpenAI-protocol model', { timeout: 600_000 }, () => {
  let server: ScriptedServer;
  let dataDirectory: string;
  const steps: string[] = [];
  let answerOverride: ((step: string, callIndex: number) => ScriptedHttpResponse | undefined) | undefined;

  beforeAll(async () => {
    const route = buildStepRouter();
    server = await startScriptedOpenAiServer({
      responses: (body) => {
        const step = stepOf(body, route);
        steps.push(step);
        const usage = { inputTokens: 1000, outputTokens: 10 };
        return answerOverride?.(step, steps.filter((seen) => seen === step).length) ?? { text: PYTHON_ANSWERS[step] ?? 'no answer', usage };
      },
    });
    dataDirectory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-budget-data-'));
  });

  afterAll(async () => {
    await server?.close();
  });

  it('stops cleanly at limits.maxCostUsd, says why in status, and continues when the limit is raised', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-budget-run-'));
    const config = await writeConfig(directory, server.url, '{ maxCostUsd: 3 }');
    const env = { SWE_MIRROR_DATA_DIR: dataDirectory };
    steps.length = 0;
    const first = await runCli(['run', '--config', config, '--progress', 'plain'], { env });
    expect(first.code, first.output).toBe(3);
    expect(first.stderr).toContain('limits.maxCostUsd');
    const storePath = path.join(directory, 'out', 'state.sqlite');
    const stopped = readCandidates(storePath);
    // Two filter calls, then mirroring starts; the cap is checked before every call, so at most the calls in flight pass it.
    expect(stopped.spent).toBeGreaterThanOrEqual(3);
    expect(stopped.spent).toBeLessThanOrEqual(4);
    expect(stopped.stages.map((row) => row.stage)).toEqual(['pending-mirror', 'pending-mirror']);

    const status = await runCli(['status', '--config', config]);
    expect(status.code, status.output).toBe(0);
    expect(status.stdout).toMatch(/Stopped by a budget .*limits\.maxCostUsd.*2 candidate\(s\) left pending/);
    const statusJson = JSON.parse((await runCli(['status', '--config', config, '--json'])).stdout) as { stoppedBy?: { limit: string; limitUsd: number } };
    expect(statusJson.stoppedBy).toMatchObject({ limit: 'maxCostUsd', limitUsd: 3 });

    // Raised: the run continues from where it stopped, and the stop is cleared.
    await writeFile(config, (await readFile(config, 'utf8')).replace('maxCostUsd: 3', 'maxCostUsd: 100'));
    const second = await runCli(['run', '--config', config, '--progress', 'plain'], { env });
    expect(second.code, second.output).toBe(0);
    expect(readCandidates(storePath).stages.every((row) => row.stage === 'verified' || row.stage === 'duplicate')).toBe(true);
    const after = await runCli(['status', '--config', config]);
    expect(after.stdout).not.toContain('Stopped by a budget');
  });

  it('ends a candidate at maxCallsPerCandidate and a step at its token budget, each as its own loss rule', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-budget-caps-'));
    steps.length = 0;
    // The first test-generate answer is unusable, so that step needs a retry, which its token budget refuses.
    answerOverride = (step, count) => (step === 'test-generate' && count % 2 === 1 ? { text: 'no edits here', usage: { inputTokens: 1000, outputTokens: 10 } } : undefined);
    try {
      const config = await writeConfig(directory, server.url, '{ maxCallsPerCandidate: 20, maxTokensPerStep: { test-generate: 500 } }');
      const run = await runCli(['run', '--config', config, '--progress', 'plain', '--no-export'], { env: { SWE_MIRROR_DATA_DIR: dataDirectory } });
      expect(run.code, run.output).toBe(0);
      const rows = readCandidates(path.join(directory, 'out', 'state.sqlite')).stages;
      expect(rows).toEqual([
        { stage: 'mirror-failed', rule: 'budget-tokens' },
        { stage: 'mirror-failed', rule: 'budget-tokens' },
      ]);
      const status = await runCli(['status', '--config', config]);
      expect(status.stdout).toContain('mirror-failed / budget-tokens');
      expect(status.stdout).toContain('token budget');

      const callsDirectory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-budget-calls-'));
      const callsConfig = await writeConfig(callsDirectory, server.url, '{ maxCallsPerCandidate: 3 }');
      const capped = await runCli(['run', '--config', callsConfig, '--progress', 'plain', '--no-export'], { env: { SWE_MIRROR_DATA_DIR: dataDirectory } });
      expect(capped.code, capped.output).toBe(0);
      // filter, distill, test-localize: then the fourth call (test-generate) is refused.
      expect(readCandidates(path.join(callsDirectory, 'out', 'state.sqlite')).stages).toEqual([
        { stage: 'mirror-failed', rule: 'budget-calls' },
        { stage: 'mirror-failed', rule: 'budget-calls' },
      ]);
    } finally {
      answerOverride = undefined;
    }
  });

  it('refuses a bad limits section with a clear message and exit code 2', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-budget-bad-'));
    const config = await writeConfig(directory, server.url, '{ maxCostUsd: -1, maxTokensPerStep: { nonsense: 5 } }');
    const run = await runCli(['run', '--config', config, '--progress', 'plain']);
    expect(run.code, run.output).toBe(2);
    expect(run.stderr).toContain('limits.maxCostUsd');
    expect(run.stderr).toContain('maxTokensPerStep');
  });
});

import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { priceRun, type StepProfile } from '../../src/budget/estimate.js';
import { startScriptedOpenAiServer, type ScriptedServer } from '../../src/testing/index.js';
import { runCli, writePipelineConfig } from '../support/pipeline-cli.js';

// Slow: prepares the python fixture gym and collects two PRs; the scripted OpenAI-protocol server must see no request.

describe('swe-mirror run --estimate', { timeout: 600_000 }, () => {
  let server: ScriptedServer;
  let requests = 0;

  beforeAll(async () => {
    server = await startScriptedOpenAiServer({
      responses: () => {
        requests += 1;
        return 'no answer';
      },
    });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('prices every step from rendered prompts of a sample, against the cap, without a single model call', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-estimate-'));
    const config = await writePipelineConfig(directory, server.url, { prCount: 2, extraLines: ['limits: { maxCostUsd: 0.0001 }', 'mirror: { judge: true }'] });
    await writeFile(config, (await readFile(config, 'utf8')).replace('model: scripted,', 'model: scripted, prices: { inputPerMillion: 1, outputPerMillion: 4, checkedOn: "2026-12-01" },'));
    const run = await runCli(['run', '--config', config, '--estimate', '--progress', 'plain'], { env: { SWE_MIRROR_DATA_DIR: await mkdtemp(path.join(tmpdir(), 'swe-mirror-estimate-data-')) } });
    expect(run.code, run.output).toBe(0);
    expect(requests).toBe(0);
    expect(run.stdout).toContain('Estimate before any model call: 2 candidate(s) to filter, 0 to mirror; prompts rendered for 2 sampled candidate(s).');
    expect(run.stdout).toContain('Price: scripted $1/M input, $4/M output (from the config, read 2026-12-01).');
    for (const step of ['filter-mirrorability', 'distill', 'test-localize', 'test-generate', 'mirror-localize', 'mirror-generate', 'statement', 'judge-faithfulness']) {
      expect(run.stdout).toMatch(new RegExp(`^${step}\\s+2\\s+\\d`, 'm'));
    }
    expect(run.stdout).toMatch(/Exceeds limits\.maxCostUsd \$0\.0001: the run would stop after about 0 of 2 candidates/);
    // Nothing was mirrored or judged: the candidates wait for the real run.
    const status = await runCli(['status', '--config', config, '--json']);
    expect((JSON.parse(status.stdout) as { totals: Record<string, number> }).totals).toEqual({ 'pending-llm-filter': 2 });
  });

  it('refuses a bad --estimate-sample with exit code 2', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-estimate-bad-'));
    const config = await writePipelineConfig(directory, server.url);
    const run = await runCli(['run', '--config', config, '--estimate', '--estimate-sample', 'lots']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--estimate-sample must be a positive whole number');
  });
});

describe('priceRun', () => {
  const profile = (step: StepProfile['step'], inputTokensPerCall: number, outputTokensPerCall: number, callsPerCandidate = 1): StepProfile => ({
    step,
    inputTokensPerCall,
    outputTokensPerCall,
    callsPerCandidate,
    source: { input: 'sample', output: 'assumed', calls: 'assumed' },
  });

  it('multiplies candidates reaching each step by calls, tokens (output per sample) and price', () => {
    const estimate = priceRun({
      model: 'm',
      price: { inputPerMillion: 1_000_000, outputPerMillion: 2_000_000 },
      priceSource: 'config',
      profiles: [profile('filter-mirrorability', 10, 1), profile('mirror-generate', 100, 10, 2)],
      toFilter: 4,
      toMirror: 1,
      sampled: 5,
      filterKeepRate: { value: 0.5, source: 'history' },
      samples: 3,
      spentUsd: 100,
      maxCostUsd: 1000,
    });
    // filter: 4 candidates × (10 in × $1 + 1 out × $2) = $48; mirror: (1 + 4 × 0.5) × 2 calls × (100 × $1 + 10 × 3 × $2) = $960.
    expect(estimate.steps.map((step) => step.costUsd)).toEqual([48, 960]);
    expect(estimate.totalUsd).toBe(1008);
    expect(estimate.fits).toBe(false);
    expect(estimate.candidatesWithinCap).toBe(4);
  });
});

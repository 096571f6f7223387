import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyLoss, type YieldRow } from '../../src/dataset/yield-table.js';
import { startScriptedOpenAiServer, type ScriptedServer } from '../../src/testing/index.js';
import { DISTILLED_PATTERN, PYTHON } from '../mirror/mirror-fixtures.js';
import { pythonResponder, runCli, writePipelineConfig } from '../support/pipeline-cli.js';

// Slow: one real pipeline run of the python fixture gym, three PRs, each mirrored differently by a scripted OpenAI-protocol model.

/** PR 412 mirrors cleanly, 413's mirror changes nothing the tests see (semantic), 414's mirror does not parse (compile/syntax). */
const SCENARIOS: Record<string, { marker: string; mirror: string }> = {
  '#402': { marker: 'Scenario: clean.', mirror: PYTHON.mirrorGenerate },
  '#403': { marker: 'Scenario: harmless.', mirror: PYTHON.mirrorGenerateHarmless },
  '#404': { marker: 'Scenario: broken.', mirror: PYTHON.mirrorGenerateBroken },
};

function userMessage(body: unknown): string {
  return (body as { messages: Array<{ role: string; content: string }> }).messages.filter((message) => message.role === 'user').map((message) => message.content).join('\n');
}

describe('swe-mirror stats: the mirroring yield table (Table 6)', { timeout: 600_000 }, () => {
  let server: ScriptedServer;

  beforeAll(async () => {
    server = await startScriptedOpenAiServer({
      responses: pythonResponder((step, body) => {
        const text = userMessage(body);
        if (step === 'distill') {
          const scenario = Object.entries(SCENARIOS).find(([issue]) => text.includes(`Fixes ${issue}.`))?.[1];
          return `${DISTILLED_PATTERN}\n${scenario?.marker ?? ''}`;
        }
        if (step === 'mirror-generate') return Object.values(SCENARIOS).find((scenario) => text.includes(scenario.marker))?.mirror;
        return undefined;
      }),
    });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('splits the losses per language into compile/syntax and semantic from the recorded failure codes', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-yield-'));
    const dataDirectory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-yield-data-'));
    const config = await writePipelineConfig(directory, server.url, { prCount: 3, extraLines: ['mirror: { retriesPerStep: 0 }'] });
    const run = await runCli(['run', '--config', config, '--progress', 'plain', '--no-export'], { env: { SWE_MIRROR_DATA_DIR: dataDirectory } });
    expect(run.code, run.output).toBe(0);

    const json = await runCli(['stats', '--config', config, '--json']);
    expect(json.code, json.output).toBe(0);
    const rows = (JSON.parse(json.stdout) as { yield: YieldRow[] }).yield;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ language: 'python', mirrored: 3, verified: 1, yieldPercent: 33.3 });
    expect(rows[0]!.losses).toMatchObject({ compile: 1, semantic: 1, answer: 0, statement: 0, verifier: 0 });
    expect(rows[0]!.detail).toMatchObject({ 'mirror-generate/MIRROR_TESTS_STILL_PASS': 1 });
    expect(Object.keys(rows[0]!.detail).some((key) => /^mirror-generate\/MIRROR_(PRECHECK_FAILED|TESTS_NOT_RUN)$/.test(key))).toBe(true);

    const text = await runCli(['stats', '--config', config]);
    expect(text.stdout).toMatch(/Language\s+Mirrored\s+Verified\s+Yield\s+Compile\/syntax\s+Semantic\s+Answer\s+Statement\s+Verifier/);
    expect(text.stdout).toMatch(/python\s+3\s+1\s+33\.3%\s+1 \(33%\)\s+1 \(33%\)\s+0 \(0%\)\s+0 \(0%\)\s+0 \(0%\)/);
  });
});

describe('classifyLoss', () => {
  const failedAt = (step: string, code?: string, details?: Record<string, unknown>) => ({
    failure: { step },
    steps: [{ step, outcome: 'failed', ...(code ? { code } : {}), ...(details ? { details } : {}) }],
  });

  it('reads the cause from the failing step and its code', () => {
    expect(classifyLoss('mirror-failed', 'mirror-generate', failedAt('mirror-generate', 'MIRROR_PRECHECK_FAILED')).cause).toBe('compile');
    expect(classifyLoss('mirror-failed', 'test-generate', failedAt('test-generate', 'TEST_NO_RESULTS')).cause).toBe('compile');
    expect(classifyLoss('mirror-failed', 'mirror-generate', failedAt('mirror-generate', 'MIRROR_TESTS_STILL_PASS')).cause).toBe('semantic');
    expect(classifyLoss('mirror-failed', 'test-generate', failedAt('test-generate', 'TEST_NOT_PASSING_ON_CLEAN')).cause).toBe('semantic');
    expect(classifyLoss('mirror-failed', 'mirror-generate', failedAt('mirror-generate', 'EDIT_SEARCH_NOT_FOUND')).cause).toBe('answer');
    expect(classifyLoss('mirror-failed', 'distill', failedAt('distill')).cause).toBe('answer');
    expect(classifyLoss('mirror-failed', 'statement', failedAt('statement', 'STATEMENT_TOO_SHORT')).cause).toBe('statement');
    expect(classifyLoss('rejected-by-verifier', 'no-regressions', undefined)).toEqual({ cause: 'verifier', key: 'verify/no-regressions' });
    expect(classifyLoss('mirror-failed', 'budget-calls', failedAt('test-generate', 'BUDGET_CANDIDATE_CAP')).cause).toBe('budget');
  });

  it('falls back to recorded pre-check facts in logs written before step codes, and says when it cannot tell', () => {
    expect(classifyLoss('mirror-failed', 'mirror-generate', failedAt('mirror-generate', undefined, { precheck: 'python -m compileall' })).cause).toBe('compile');
    expect(classifyLoss('mirror-failed', 'mirror-generate', failedAt('mirror-generate'))).toEqual({ cause: 'unclassified', key: 'mirror-generate/no-code' });
  });
});

/**
 * Nothing finished is thrown away (issue 10 item 5): the model endpoint fails at the statement step, the
 * run keeps the attempt's finished steps (patches, attempt log) in the store and leaves the candidate
 * pending; the rerun continues at the statement step. Counted at a real local OpenAI-protocol server:
 * the rerun asks only for the statement, and the steps before it are not checked again. Real CLI, real gym.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptLog } from '../../src/mirror/types.js';
import { Store } from '../../src/store/store.js';
import { startScriptedOpenAiServer, type ScriptedServer } from '../../src/testing/index.js';
import { buildStepRouter, PYTHON_ANSWERS, runCli, stepOf, writePipelineConfig } from '../support/pipeline-cli.js';

describe('a run whose model endpoint fails at the statement step, run again', { timeout: 600_000 }, () => {
  let server: ScriptedServer;
  let isEndpointDown = true;
  const stepsAsked: string[] = [];

  beforeAll(async () => {
    const route = buildStepRouter();
    server = await startScriptedOpenAiServer({
      responses: (body) => {
        const step = stepOf(body, route);
        stepsAsked.push(step);
        if (step === 'statement' && isEndpointDown) return { status: 503 };
        return PYTHON_ANSWERS[step] ?? 'no answer';
      },
    });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('keeps the finished steps and continues at the failed one without asking again', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-resume-'));
    const dataDirectory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-resume-data-'));
    const config = await writePipelineConfig(directory, server.url);
    const run = () => runCli(['run', '--config', config, '--progress', 'plain'], { env: { SWE_MIRROR_DATA_DIR: dataDirectory } });

    const first = await run();
    // exit 3: a candidate left pending by infrastructure trouble.
    expect(first.code, first.output).toBe(3);
    expect(stepsAsked).toEqual(['filter-mirrorability', 'distill', 'test-localize', 'test-generate', 'mirror-localize', 'mirror-generate', 'statement']);

    const storePath = path.join(directory, 'out', 'state.sqlite');
    const afterFirst = Store.open(storePath);
    try {
      expect(afterFirst.candidatesAt('pending-mirror')).toHaveLength(1);
      const rows = afterFirst.database.prepare('SELECT status, record_json FROM attempts').all() as Array<{ status: string; record_json: string }>;
      expect(rows.map((row) => row.status)).toEqual(['interrupted']);
      const interrupted = JSON.parse(rows[0]!.record_json) as AttemptLog;
      expect(interrupted.interrupted?.step).toBe('statement');
      // The finished steps' results: the test patch and the mirror patch are kept.
      expect(interrupted.checkpoint?.tests?.testPatch).toMatch(/^diff --git a\/tests\/test_version\.py/);
      expect(interrupted.checkpoint?.mirrors?.[0]?.mirrorPatch).toMatch(/^diff --git a\/semver_lite\/version\.py/);
      expect(interrupted.steps.filter((step) => step.outcome === 'ok').map((step) => step.step)).toEqual(['distill', 'test-localize', 'test-generate', 'mirror-localize', 'mirror-generate']);
    } finally {
      afterFirst.close();
    }

    isEndpointDown = false;
    stepsAsked.length = 0;
    const second = await run();
    expect(second.code, second.output).toBe(0);
    // Only the step that failed is asked again.
    expect(stepsAsked).toEqual(['statement']);

    const afterSecond = Store.open(storePath);
    try {
      expect(afterSecond.listTasks().map((task) => task.instanceId)).toEqual(['python-pytest__example__versionkit-412']);
      const rows = afterSecond.database.prepare('SELECT status, record_json FROM attempts ORDER BY id').all() as Array<{ status: string; record_json: string }>;
      expect(rows.map((row) => row.status)).toEqual(['interrupted', 'verified']);
      const final = JSON.parse(rows[1]!.record_json) as AttemptLog;
      expect(final.resumed?.map((entry) => entry.step)).toEqual(['statement']);
      // One log for the whole attempt: each step once, none of the finished ones checked again.
      expect(final.steps.map((step) => `${step.step}:${step.outcome}`)).toEqual([
        'distill:ok',
        'test-localize:ok',
        'test-generate:ok',
        'mirror-localize:ok',
        'mirror-generate:ok',
        'statement:ok',
        'verify:ok',
      ]);
      // The failed call of the first run is in the log too, with its error.
      const statementCalls = final.calls.filter((call) => call.step === 'statement');
      expect(statementCalls).toHaveLength(2);
      expect(statementCalls[0]?.error).toContain('503');
    } finally {
      afterSecond.close();
    }
  });
});

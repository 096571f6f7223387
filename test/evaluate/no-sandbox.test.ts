import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportResult } from '../../src/dataset/export.js';
import { hasStackTrace, runCli } from '../support/pipeline-cli.js';
import { solveCalcAdd, startScriptedAgent } from '../agent/scripted-agent.js';
import { exportCalcTasks } from '../validate/calc-export.js';
import type { ScriptedServer } from '../../src/testing/index.js';
import { isSandboxAvailable } from '../../src/pipeline/sandbox-policy.js';

const hasSandbox = await isSandboxAvailable();
if (!hasSandbox) console.warn('bubblewrap cannot create a sandbox here: the sandboxed rollout case is skipped');

// Real CLI processes; "no bubblewrap" is SWE_MIRROR_BWRAP pointing nowhere (as in test/pipeline/no-sandbox.test.ts).
const NO_BWRAP = { SWE_MIRROR_BWRAP: '/nonexistent/bwrap' };

describe('without a sandbox, evaluate and rollout (model-written patches and commands)', { timeout: 600_000 }, () => {
  let exported: ExportResult;
  let directory: string;
  let server: ScriptedServer;

  beforeAll(async () => {
    exported = await exportCalcTasks();
    directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-eval-nosandbox-'));
    server = await startScriptedAgent(solveCalcAdd);
  });
  afterAll(async () => {
    await server?.close();
    for (const folder of [path.dirname(exported.sweBenchFile), directory]) await rm(folder, { recursive: true, force: true });
  });

  const expectRefusal = (result: { code: number | null; stderr: string; output: string }, command: string): void => {
    expect(result.code, result.output).toBe(2);
    expect(result.stderr).toContain('No sandbox');
    expect(result.stderr).toContain(`\`swe-mirror ${command}\` does not run LLM-written code without one`);
    expect(result.stderr).toContain('apt-get install bubblewrap');
    expect(result.stderr).toContain('--unsafe-no-sandbox');
    expect(hasStackTrace(result.output)).toBe(false);
  };

  it('`evaluate` refuses with exit 2 and writes nothing', async () => {
    const output = path.join(directory, 'refused-eval');
    const result = await runCli(['evaluate', '--tasks', exported.sweBenchFile, '--predictions', 'gold', '--output', output], { env: NO_BWRAP });
    expectRefusal(result, 'evaluate');
    expect(existsSync(output)).toBe(false);
  });

  it('`rollout` refuses with exit 2 before any model call and writes no trajectory', async () => {
    const output = path.join(directory, 'refused.jsonl');
    const before = server.requests.length;
    const result = await runCli(['rollout', '--tasks', exported.sweBenchFile, '--model', 'openai:scripted-agent', '--base-url', server.url, '--trials', '1', '--output', output], { env: NO_BWRAP });
    expectRefusal(result, 'rollout');
    expect(server.requests.length).toBe(before);
    expect(existsSync(output)).toBe(false);
  });

  it('`evaluate --unsafe-no-sandbox` warns before any work and records the opt-out in every report and summary', async () => {
    const output = path.join(directory, 'unsafe-eval');
    const result = await runCli(['evaluate', '--tasks', exported.sweBenchFile, '--predictions', 'gold', '--output', output, '--data-dir', path.join(directory, 'data'), '--unsafe-no-sandbox'], { env: NO_BWRAP });
    expect(result.code, result.output).toBe(0);
    const warning = result.stderr.indexOf('warning: running WITHOUT a sandbox (--unsafe-no-sandbox)');
    expect(warning, result.output).toBeGreaterThanOrEqual(0);
    expect(warning).toBeLessThan(result.stderr.indexOf('preparing gym'));
    expect(result.stdout).toContain('gold: resolved 2/2 (100%)');
    for (const id of ['calc-add', 'calc-mul']) {
      const report = JSON.parse(await readFile(path.join(output, 'swe-mirror', 'gold', id, 'report.json'), 'utf8'));
      expect(report[id].resolved).toBe(true);
      expect(report[id].sandbox).toMatchObject({ isolated: false, unsafe_no_sandbox: true });
      expect(report[id].sandbox.missing.length).toBeGreaterThan(0);
      const evaluation = JSON.parse(await readFile(path.join(output, 'swe-mirror', 'gold', id, 'evaluation.json'), 'utf8'));
      expect(evaluation.sandbox).toMatchObject({ isolated: false, unsafeNoSandbox: true });
    }
    const summary = JSON.parse(await readFile(path.join(output, 'gold.swe-mirror.json'), 'utf8'));
    expect(summary.sandbox).toMatchObject({ isolated: false, unsafe_no_sandbox: true });
  });

  it('`rollout --unsafe-no-sandbox` warns before the first model call and records the opt-out in every trajectory', async () => {
    const output = path.join(directory, 'unsafe.jsonl');
    const result = await runCli(
      ['rollout', '--tasks', exported.sweBenchFile, '--model', 'openai:scripted-agent', '--base-url', server.url, '--trials', '2', '--instance-ids', 'calc-add', '--output', output, '--data-dir', path.join(directory, 'rollout-data'), '--unsafe-no-sandbox'],
      { env: NO_BWRAP },
    );
    expect(result.code, result.output).toBe(0);
    expect(result.stderr.split('\n')[0]).toContain('warning: running WITHOUT a sandbox (--unsafe-no-sandbox)');
    const records = (await readFile(output, 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(records).toHaveLength(2);
    for (const record of records) {
      expect(record.success).toBe(true);
      expect(record.sandbox).toMatchObject({ isolated: false, unsafe_no_sandbox: true });
      expect(record.sandbox.missing.length).toBeGreaterThan(0);
    }
  });

  it.skipIf(!hasSandbox)('with bubblewrap, trajectories record an isolated run and no opt-out', async () => {
    const output = path.join(directory, 'sandboxed.jsonl');
    const result = await runCli(['rollout', '--tasks', exported.sweBenchFile, '--model', 'openai:scripted-agent', '--base-url', server.url, '--trials', '1', '--instance-ids', 'calc-add', '--output', output, '--data-dir', path.join(directory, 'rollout-data-2')]);
    expect(result.code, result.output).toBe(0);
    expect(result.stderr).not.toContain('WITHOUT a sandbox');
    const [record] = (await readFile(output, 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(record.sandbox).toMatchObject({ unsafe_no_sandbox: false });
    expect(record.sandbox.isolated).toBe(record.sandbox.missing.length === 0);
  });
});

import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedOpenAiServer, type ScriptedServer } from '../../src/testing/index.js';
import { hasStackTrace, pythonResponder, runCli, writePipelineConfig, type CliResult } from '../support/pipeline-cli.js';

// Real CLI processes on one store, against a scripted OpenAI server that can hold or fail a step.

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('one store, one writer', { timeout: 600_000 }, () => {
  let server: ScriptedServer;
  let dataDirectory: string;
  /** What the distill step answers: held (the first run sits in it), failing, or normal. */
  let distillMode: 'hold' | 'fail' | 'answer' = 'answer';
  let distillRequests = 0;

  beforeAll(async () => {
    server = await startScriptedOpenAiServer({
      responses: pythonResponder((step) => {
        if (step !== 'distill') return undefined;
        distillRequests += 1;
        if (distillMode === 'hold') return { text: 'never delivered', delayMs: 60_000 };
        if (distillMode === 'fail') return { status: 503 };
        return undefined;
      }),
    });
    dataDirectory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-lock-data-'));
  });

  afterAll(async () => {
    await server?.close();
  });

  const env = () => ({ SWE_MIRROR_DATA_DIR: dataDirectory });

  it('refuses a second run and an export while a run holds the store, naming it; a killed holder leaves no lock behind', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-lock-'));
    const config = await writePipelineConfig(directory, server.url);
    distillMode = 'hold';
    distillRequests = 0;
    let first: ChildProcess | undefined;
    const firstRun = runCli(['run', '--config', config, '--progress', 'plain'], { env: env(), onSpawn: (child) => (first = child) });
    // The first run is inside its mirror stage, waiting for the model, holding the lock.
    await waitFor(() => distillRequests > 0, 300_000);

    const second = await runCli(['run', '--config', config, '--progress', 'plain'], { env: env() });
    expect(second.code, second.output).toBe(2);
    expect(second.stderr).toContain(`is in use by pid ${first!.pid} on ${os.hostname()}`);
    expect(second.stderr).toContain(`running \`swe-mirror run --config ${config} --progress plain\``);
    expect(second.stderr).toMatch(/since \d{4}-\d\d-\d\dT/);
    expect(hasStackTrace(second.output)).toBe(false);

    const exported = await runCli(['export', '--config', config], { env: env() });
    expect(exported.code, exported.output).toBe(2);
    expect(exported.stderr).toContain(`is in use by pid ${first!.pid}`);

    first!.kill('SIGKILL');
    const killed: CliResult = await firstRun;
    expect(killed.signal).toBe('SIGKILL');

    // Nobody has to delete anything: the dead holder's lock is free, and the run resumes.
    distillMode = 'answer';
    const resumed = await runCli(['run', '--config', config, '--progress', 'plain'], { env: env() });
    expect(resumed.code, resumed.output).toBe(0);
    const rows = (await readFile(path.join(directory, 'out', 'tasks.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(rows).toHaveLength(1);
    expect(rows[0].sandbox).toEqual({ isolated: true, unsafe_no_sandbox: false, missing: [] });

    // Reading the funnel needs no lock, and the store is free again for an export.
    const exportedAfter = await runCli(['export', '--config', config], { env: env() });
    expect(exportedAfter.code, exportedAfter.output).toBe(0);
  });

  it('a candidate that ends on an infrastructure error stays pending, the run exits 3 saying so, and a rerun finishes it', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-pending-'));
    const config = await writePipelineConfig(directory, server.url);
    distillMode = 'fail';
    const failed = await runCli(['run', '--config', config, '--progress', 'plain'], { env: env() });
    expect(failed.code, failed.output).toBe(3);
    expect(failed.stderr).toContain('1 candidate left pending: rerun to continue');
    expect(failed.stdout).toMatch(/pending-mirror\s+1/);

    const status = await runCli(['status', '--config', config, '--json'], { env: env() });
    expect(status.code, status.output).toBe(0);
    expect(JSON.parse(status.stdout).totals).toEqual({ 'pending-mirror': 1 });

    distillMode = 'answer';
    const rerun = await runCli(['run', '--config', config, '--progress', 'plain'], { env: env() });
    expect(rerun.code, rerun.output).toBe(0);
    expect(rerun.stderr).not.toContain('left pending');
    const after = await runCli(['status', '--config', config, '--json'], { env: env() });
    expect(JSON.parse(after.stdout).totals).toEqual({ verified: 1 });
  });
});

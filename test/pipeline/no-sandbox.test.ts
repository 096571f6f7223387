import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedOpenAiServer, type ScriptedServer } from '../../src/testing/index.js';
import { SOURCE_PR } from '../mirror/mirror-fixtures.js';
import { hasStackTrace, PYTHON_GYM_SPEC, pythonResponder, REPOSITORY_ROOT, runCli, writePipelineConfig } from '../support/pipeline-cli.js';

// Real CLI processes against a scripted OpenAI server; "no bubblewrap" is SWE_MIRROR_BWRAP pointing nowhere.
const NO_BWRAP = { SWE_MIRROR_BWRAP: '/nonexistent/bwrap' };

describe('without a sandbox, commands that run LLM-written code', { timeout: 600_000 }, () => {
  let server: ScriptedServer;
  let dataDirectory: string;

  beforeAll(async () => {
    server = await startScriptedOpenAiServer({ responses: pythonResponder() });
    dataDirectory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-nosandbox-data-'));
  });

  afterAll(async () => {
    await server?.close();
  });

  it('`run` refuses with exit 2, says how to get bubblewrap, and touches nothing', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-nosandbox-'));
    const config = await writePipelineConfig(directory, server.url);
    const before = server.requests.length;
    const result = await runCli(['run', '--config', config, '--progress', 'plain'], { env: { ...NO_BWRAP, SWE_MIRROR_DATA_DIR: dataDirectory } });
    expect(result.code, result.output).toBe(2);
    expect(result.stderr).toContain('No sandbox');
    expect(result.stderr).toContain('apt-get install bubblewrap');
    expect(result.stderr).toContain('user namespaces');
    expect(result.stderr).toContain('--unsafe-no-sandbox');
    expect(hasStackTrace(result.output)).toBe(false);
    expect(server.requests.length).toBe(before);
    expect(existsSync(path.join(directory, 'out', 'state.sqlite'))).toBe(false);
  });

  it('`mirror` refuses the same way', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-nosandbox-mirror-'));
    const source = path.join(directory, 'pr.json');
    await writeFile(source, JSON.stringify(SOURCE_PR));
    const before = server.requests.length;
    const result = await runCli(
      ['mirror', '--gym', PYTHON_GYM_SPEC, '--source', source, '--provider', 'openai', '--model', 'scripted', '--base-url', server.url, '--out', path.join(directory, 'task')],
      { env: { ...NO_BWRAP, SWE_MIRROR_DATA_DIR: dataDirectory } },
    );
    expect(result.code, result.output).toBe(2);
    expect(result.stderr).toContain('`swe-mirror mirror` does not run LLM-written code');
    expect(result.stderr).toContain('apt-get install bubblewrap');
    expect(hasStackTrace(result.output)).toBe(false);
    expect(server.requests.length).toBe(before);
    expect(existsSync(path.join(directory, 'task'))).toBe(false);
  });

  it('a config that allows it only for replayed answers still refuses a live model', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-nosandbox-replay-'));
    const config = await writePipelineConfig(directory, server.url, { extraLines: ['unsafeNoSandbox: replayed-models'] });
    const result = await runCli(['run', '--config', config, '--progress', 'plain'], { env: { ...NO_BWRAP, SWE_MIRROR_DATA_DIR: dataDirectory } });
    expect(result.code, result.output).toBe(2);
    expect(result.stderr).toContain('only for replayed model answers');
  });

  it('`run --unsafe-no-sandbox` runs with a warning at start and records the opt-out in every task it exports', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-nosandbox-unsafe-'));
    const config = await writePipelineConfig(directory, server.url);
    const result = await runCli(['run', '--config', config, '--progress', 'plain', '--unsafe-no-sandbox'], {
      env: { ...NO_BWRAP, SWE_MIRROR_DATA_DIR: dataDirectory },
    });
    expect(result.code, result.output).toBe(0);
    const warning = result.output.indexOf('warning: running WITHOUT a sandbox (--unsafe-no-sandbox)');
    expect(warning, result.output).toBeGreaterThanOrEqual(0);
    expect(warning).toBeLessThan(result.output.indexOf('[prepare]'));

    const rows = (await readFile(path.join(directory, 'out', 'tasks.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(rows).toHaveLength(1);
    expect(rows[0].sandbox).toMatchObject({ isolated: false, unsafe_no_sandbox: true });
    expect(rows[0].sandbox.missing.length).toBeGreaterThan(0);
    const multiSweBenchDirectory = path.join(directory, 'out', 'multi-swe-bench');
    const multiFiles = (await readdir(multiSweBenchDirectory, { recursive: true })).filter((name) => name.endsWith('.jsonl'));
    expect(multiFiles.length).toBeGreaterThan(0);
    for (const name of multiFiles) {
      for (const line of (await readFile(path.join(multiSweBenchDirectory, name), 'utf8')).trim().split('\n')) {
        expect(JSON.parse(line).sandbox).toMatchObject({ isolated: false, unsafe_no_sandbox: true });
      }
    }
  });

  it('`mirror --unsafe-no-sandbox` writes the opt-out into verdict.json', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-nosandbox-mirror-unsafe-'));
    const source = path.join(directory, 'pr.json');
    await writeFile(source, JSON.stringify(SOURCE_PR));
    const out = path.join(directory, 'task');
    const result = await runCli(
      ['mirror', '--gym', PYTHON_GYM_SPEC, '--source', source, '--provider', 'openai', '--model', 'scripted', '--base-url', server.url, '--out', out, '--repeats', '1', '--unsafe-no-sandbox'],
      { env: { ...NO_BWRAP, SWE_MIRROR_DATA_DIR: dataDirectory } },
    );
    expect(result.code, result.output).toBe(0);
    expect(result.stderr).toContain('warning: running WITHOUT a sandbox');
    const verdict = JSON.parse(await readFile(path.join(out, 'verdict.json'), 'utf8'));
    expect(verdict.valid).toBe(true);
    expect(verdict.sandbox).toMatchObject({ isolated: false, unsafeNoSandbox: true });
  });

  it('`verify` of hand-written patches still runs, warns, and records what was missing in verdict.json', async () => {
    const task = path.join(await mkdtemp(path.join(tmpdir(), 'swe-mirror-nosandbox-verify-')), 'task');
    await cp(path.join(REPOSITORY_ROOT, 'test/fixtures/gyms/python-pytest/tasks/valid'), task, { recursive: true });
    const result = await runCli(['verify', '--gym', PYTHON_GYM_SPEC, '--task', task, '--runs', '1'], { env: { ...NO_BWRAP, SWE_MIRROR_DATA_DIR: dataDirectory } });
    expect(result.code, result.output).toBe(0);
    expect(result.stderr).toContain('warning: sandbox protections missing');
    const verdict = JSON.parse(await readFile(path.join(task, 'verdict.json'), 'utf8'));
    expect(verdict.sandbox).toMatchObject({ isolated: false, unsafeNoSandbox: false });
    expect(verdict.sandbox.missing.length).toBeGreaterThan(0);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { appendFile, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startScriptedOpenAiServer } from '../../src/testing/openai-server.js';
import { startGitHubStandIn, type GitHubStandIn, type StandInRepository } from '../../src/testing/github-server.js';
import { codeDiff, makeGym, makeTemporaryDirectory } from './helpers.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

function manyRepositories(): StandInRepository[] {
  return ['one', 'two', 'three'].map((name, repositoryIndex) => ({
    fullName: `lib/${name}-semver`,
    description: 'semantic versioning',
    stars: 100 - repositoryIndex,
    openIssues: 5,
    language: 'Python',
    issues: [1, 2, 3, 4].map((number) => ({ number, title: `Bug ${number}`, body: `Broken ${number}` })),
    pullRequests: [11, 12, 13, 14].map((number, index) => ({
      number,
      title: `Fix ${number}`,
      body: `Fixes #${index + 1}`,
      mergedAt: '2024-01-01T00:00:00Z',
      diff: codeDiff(`${name}/module_${number}.py`),
    })),
  }));
}

function runCli(args: string[], environment: Record<string, string> = {}): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'collect', ...args], { cwd: ROOT, env: { ...process.env, GITHUB_TOKEN: '', ...environment } });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

async function countLines(file: string): Promise<number> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line.trim() !== '').length;
}

let server: GitHubStandIn | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('swe-mirror collect (real CLI process)', () => {
  it('survives SIGKILL mid-collection: the rerun loses and duplicates nothing', async () => {
    server = await startGitHubStandIn({ repositories: manyRepositories(), delayMs: 60 });
    const gym = await makeGym();
    const work = await makeTemporaryDirectory('collect-cli');
    const out = path.join(work, 'candidates.jsonl');
    const args = ['--gym', gym.specPath, '--source', 'github', '--query', 'semantic versioning', '--github-url', server.url, '--github-token', 'test-token', '--no-llm-filter', '--cache-dir', path.join(work, 'cache'), '--out', out];

    const first = runCli(args);
    const deadline = Date.now() + 60_000;
    while ((await countLines(out)) < 3 && Date.now() < deadline) await sleep(50);
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    const linesAtKill = await countLines(out);
    expect(linesAtKill).toBeGreaterThanOrEqual(3);
    expect(linesAtKill).toBeLessThan(12);
    // What a kill in the middle of a write leaves behind.
    await appendFile(out, '{"schemaVersion":1,"gym":"semver-lite","source":{"repo":"lib/thr');
    const sizeBefore = (await stat(out)).size;

    const second = runCli(args);
    const finished = await second.done;
    expect(finished.stderr).toContain('resuming');
    expect(finished.code).toBe(0);
    expect((await stat(out)).size).toBeGreaterThan(sizeBefore);

    const rows = (await readFile(out, 'utf8'))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as { schemaVersion: number; source: { repo: string; number: number }; ruleVerdict: { kept: boolean } });
    const keys = rows.map((row) => `${row.source.repo}#${row.source.number}`).sort();
    const expected = ['one', 'two', 'three'].flatMap((name) => [11, 12, 13, 14].map((number) => `lib/${name}-semver#${number}`)).sort();
    expect(keys).toEqual(expected);
    expect(rows.every((row) => row.schemaVersion === 1 && row.ruleVerdict.kept)).toBe(true);
    expect(finished.stdout).toMatch(/Funnel \(whole output, earlier runs included\):[\s\S]*kept\s+12/);
  }, 120_000);

  it('prints the funnel and reports a missing flag as a user error without a stack trace', async () => {
    const gym = await makeGym();
    const work = await makeTemporaryDirectory('collect-cli');
    const missing = await runCli(['--gym', gym.specPath, '--source', 'jsonl', '--no-llm-filter', '--out', path.join(work, 'out.jsonl')]).done;
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--source jsonl needs --input');
    expect(missing.stderr).not.toMatch(/\n\s+at /);

    const input = path.join(ROOT, 'test/fixtures/sources/swe-bench.jsonl');
    const result = await runCli(['--gym', gym.specPath, '--source', 'jsonl', '--input', input, '--no-llm-filter', '--out', path.join(work, 'out.jsonl')]).done;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/PRs seen\s+\d+/);
    expect(result.stdout).toMatch(/kept\s+\d+/);
    expect(result.stderr).toMatch(/swe-bench\.jsonl:\d+: skipped/);
  }, 60_000);

  it('runs the LLM filter through --model on an OpenAI-compatible endpoint and prints the label comparison', async () => {
    const model = await startScriptedOpenAiServer({
      responses: (body) => {
        const prompt = JSON.stringify(body);
        return prompt.includes('beta/versions#7') ? '{"mirrorable": true, "reason": "bump logic exists in the gym"}' : 'Answer: no\nReason: unrelated';
      },
    });
    try {
      const gym = await makeGym();
      const work = await makeTemporaryDirectory('collect-cli-llm');
      const labels = path.join(work, 'labels.jsonl');
      await writeFile(labels, '{"repo":"beta/versions","number":7,"mirrorable":true}\n');
      const input = path.join(ROOT, 'test/fixtures/sources/multi-swe-bench.jsonl');
      const args = ['--gym', gym.specPath, '--source', 'jsonl', '--input', input, '--model', 'openai:stand-in', '--base-url', model.url, '--no-cache', '--labels', labels, '--out', path.join(work, 'out.jsonl')];
      const result = await runCli(args, { OPENAI_API_KEY: 'test-key' }).done;
      expect(result.stderr).not.toContain('Error');
      expect(result.code).toBe(0);
      expect(model.requests).toHaveLength(1);
      expect(result.stdout).toMatch(/kept\s+1/);
      expect(result.stdout).toMatch(/precision 100\.0%\s+recall 100\.0%/);
    } finally {
      await model.close();
    }
  }, 60_000);
});

import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runMirrorCommand } from '../../src/cli/mirror.js';
import { SweMirrorError } from '../../src/core/errors.js';
import type { PreparedGym } from '../../src/gym/types.js';
import { createModel } from '../../src/llm/create-model.js';
import { resolveModelConfig } from '../../src/llm/model-config.js';
import { mirrorCandidate } from '../../src/mirror/mirror-candidate.js';
import type { AttemptLog } from '../../src/mirror/types.js';
import { createLocalRuntime } from '../../src/runtime/local.js';
import { startScriptedOpenAiServer, type ScriptedHttpResponse, type ScriptedServer } from '../../src/testing/openai-server.js';
import { DISTILLED_PATTERN, FIXTURE_GYMS, SOURCE_PR, prepareFixtureGym } from './mirror-fixtures.js';
import { writeFile } from 'node:fs/promises';
import { PYTHON_ANSWERS } from '../support/pipeline-cli.js';

/** Which loop step an OpenAI request belongs to, read from its first user message (the template's own words). */
function stepOf(body: unknown): string {
  const messages = (body as { messages?: Array<{ role: string; content: string }> }).messages ?? [];
  const prompt = messages.find((message) => message.role === 'user')?.content ?? '';
  if (prompt.includes('Describe the bug pattern under exactly these six')) return 'distill';
  if (prompt.includes('Pick the source files that implement')) return 'test-localize';
  if (prompt.includes('Write new tests for this')) return 'test-generate';
  if (prompt.includes('List the source files (not test files)')) return 'mirror-localize';
  if (prompt.includes('Introduce the bug described by the pattern')) return 'mirror-generate';
  if (prompt.includes('Write a GitHub issue for the repository')) return 'statement';
  return 'unknown';
}

/** Answer each step from PYTHON_ANSWERS, except for the scripted special replies given per request index. */
function scriptedReplies(special: Record<number, ScriptedHttpResponse> = {}) {
  return (body: unknown, index: number): ScriptedHttpResponse | string => special[index] ?? PYTHON_ANSWERS[stepOf(body)] ?? 'unexpected request';
}

const servers: ScriptedServer[] = [];
async function startServer(responses: Parameters<typeof startScriptedOpenAiServer>[0]['responses']): Promise<ScriptedServer> {
  const server = await startScriptedOpenAiServer({ responses });
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe('swe-mirror mirror through the real OpenAI adapter', () => {
  let dataDirectory: string;
  let sourceFile: string;

  beforeAll(async () => {
    dataDirectory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-e2e-data-'));
    sourceFile = path.join(dataDirectory, 'pr.json');
    await writeFile(sourceFile, JSON.stringify({ schemaVersion: 1, gym: 'python-pytest', source: SOURCE_PR, ruleVerdict: { kept: true, reason: 'ok' } }));
  });

  it('produces a verified task after a 429, then reruns entirely from the cache with zero HTTP requests', async () => {
    const first = await startServer(scriptedReplies({ 0: { status: 429, headers: { 'retry-after': '0.1' } } }));
    const out = path.join(dataDirectory, 'task-1');
    const flags = { gym: path.join(FIXTURE_GYMS, 'python-pytest', 'gym.yaml'), source: sourceFile, model: 'gpt-test', provider: 'openai', baseUrl: first.url, dataDir: dataDirectory, repeats: '1' };
    const outcome = await runMirrorCommand({ ...flags, out });
    expect(outcome.failure).toBeUndefined();
    expect(outcome.status).toBe('verified');
    expect(first.requests).toHaveLength(7);
    for (const name of ['mirror.patch', 'test.patch', 'fix.patch', 'problem_statement.md', 'attempts.json', 'verdict.json']) {
      expect(existsSync(path.join(out, name)), name).toBe(true);
    }
    const attempts = JSON.parse(readFileSync(path.join(out, 'attempts.json'), 'utf8')) as AttemptLog;
    expect(attempts.calls[0]).toMatchObject({ step: 'distill', transportRetries: 1, cached: false, model: 'gpt-test' });
    expect(attempts.totals).toMatchObject({ calls: 6, cachedCalls: 0 });
    expect(JSON.parse(readFileSync(path.join(out, 'verdict.json'), 'utf8'))).toMatchObject({ valid: true });
    expect(readFileSync(path.join(out, 'fix.patch'), 'utf8')).toContain('+        return (left > right) - (left < right)');

    const silent = await startServer(() => ({ status: 500 }));
    const rerunOut = path.join(dataDirectory, 'task-2');
    const rerun = await runMirrorCommand({ ...flags, baseUrl: silent.url, out: rerunOut });
    expect(rerun.status).toBe('verified');
    expect(silent.requests).toHaveLength(0);
    expect(rerun.attempt.totals).toMatchObject({ calls: 6, cachedCalls: 6 });
    expect(readFileSync(path.join(rerunOut, 'mirror.patch'), 'utf8')).toBe(readFileSync(path.join(out, 'mirror.patch'), 'utf8'));
  });
});

describe('model timeouts through the real OpenAI adapter', () => {
  let gym: PreparedGym;
  beforeAll(async () => {
    gym = await prepareFixtureGym('python-pytest');
  });

  function modelFor(server: ScriptedServer, maxRetries: number) {
    const config = resolveModelConfig({
      flags: { provider: 'openai', model: 'gpt-test', baseUrl: server.url, timeoutSeconds: 0.3, maxRetries },
      environment: {},
      file: { retryInitialDelaySeconds: 0 },
    });
    return createModel(config, { environment: {} });
  }

  it('retries a timed-out call and goes on with the answer', async () => {
    const server = await startServer((_body, index) => (index === 0 ? { delayMs: 2_000, text: DISTILLED_PATTERN } : 'not a bug pattern'));
    const outcome = await mirrorCandidate({ gym, source: SOURCE_PR, model: modelFor(server, 2), runtime: createLocalRuntime(), budget: { retriesPerStep: 1 } });
    // The timed-out request was retried by the adapter; the garbage answers after it fail the step, recorded.
    expect(outcome.attempt.calls[0]).toMatchObject({ step: 'distill', transportRetries: 1 });
    expect(outcome.status).toBe('failed');
    expect(outcome.failure?.step).toBe('distill');
    expect(server.requests.length).toBe(3);
  });

  it('throws an infrastructure error when the endpoint keeps timing out, so the candidate can be retried later', async () => {
    const server = await startServer(() => ({ delayMs: 2_000, text: DISTILLED_PATTERN }));
    const error = await mirrorCandidate({ gym, source: SOURCE_PR, model: modelFor(server, 1), runtime: createLocalRuntime() }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(SweMirrorError);
    expect((error as SweMirrorError).kind).toBe('infrastructure');
    expect(server.requests.length).toBe(2);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { SweMirrorError } from '../../src/core/errors.js';
import { createModel } from '../../src/llm/create-model.js';
import type { ModelCallRecord } from '../../src/llm/call-observer.js';
import { modelConfigSchema, type ModelConfigInput } from '../../src/llm/model-config.js';
import { startScriptedOpenAiServer, type ScriptedHttpResponses, type ScriptedServer } from '../../src/testing/index.js';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const messages = [
  { role: 'system' as const, content: 'You are terse.' },
  { role: 'user' as const, content: 'Say hello.' },
];

async function setUp(responses: ScriptedHttpResponses, config: ModelConfigInput = {}) {
  server = await startScriptedOpenAiServer({ responses });
  const calls: ModelCallRecord[] = [];
  const model = createModel(
    modelConfigSchema.parse({ provider: 'openai', model: 'gpt-4o-mini', baseUrl: server.url, retryInitialDelaySeconds: 0.05, ...config }),
    { environment: { OPENAI_API_KEY: 'sk-test-key' }, onCall: (record) => calls.push(record) },
  );
  return { server, model, calls };
}

async function expectModelError(promise: Promise<unknown>): Promise<SweMirrorError> {
  const error: unknown = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(SweMirrorError);
  return error as SweMirrorError;
}

describe('openai adapter against the scripted chat-completions server', () => {
  it('returns the text with usage, cost and latency, and sends the configured parameters', async () => {
    const { server, model, calls } = await setUp([{ text: 'hello', usage: { inputTokens: 1000, outputTokens: 500 } }]);
    const response = await model.complete({ messages, step: 'greet' });
    expect(response.texts).toEqual(['hello']);
    expect(response.usage).toEqual({ inputTokens: 1000, outputTokens: 500 });
    // gpt-4o-mini: $0.15 in, $0.60 out per million tokens.
    expect(response.costUsd).toBeCloseTo(0.00045, 10);
    expect(response.latencyMs).toBeGreaterThan(0);
    expect(response.cached).toBe(false);
    expect(response.retries).toBe(0);
    expect(response.requestHash).toMatch(/^[0-9a-f]{64}$/);
    expect(server.requests).toHaveLength(1);
    const request = server.requests[0]!;
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe('Bearer sk-test-key');
    expect(request.body).toMatchObject({ model: 'gpt-4o-mini', messages, temperature: 0.7, max_tokens: 4096 });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ step: 'greet', inputTokens: 1000, outputTokens: 500, cached: false, retries: 0 });
  });

  it('honours retry-after on 429 instead of its own (much longer) backoff', async () => {
    const { server, model } = await setUp([{ status: 429, headers: { 'retry-after': '0.2' } }, 'after the wait'], { retryInitialDelaySeconds: 5 });
    const response = await model.complete({ messages });
    expect(response.texts).toEqual(['after the wait']);
    expect(response.retries).toBe(1);
    const waited = server.requests[1]!.receivedAt - server.requests[0]!.receivedAt;
    expect(waited).toBeGreaterThanOrEqual(190);
    expect(waited).toBeLessThan(1500);
  });

  it('honours retry-after-ms', async () => {
    const { server, model } = await setUp([{ status: 429, headers: { 'retry-after-ms': '150' } }, 'ok'], { retryInitialDelaySeconds: 5 });
    await model.complete({ messages });
    const waited = server.requests[1]!.receivedAt - server.requests[0]!.receivedAt;
    expect(waited).toBeGreaterThanOrEqual(140);
    expect(waited).toBeLessThan(1500);
  });

  it('retries a 502 and then succeeds', async () => {
    const { server, model } = await setUp([{ status: 502, body: '<html>Bad Gateway</html>' }, 'recovered']);
    const response = await model.complete({ messages });
    expect(response.texts).toEqual(['recovered']);
    expect(response.retries).toBe(1);
    expect(server.requests).toHaveLength(2);
  });

  it('retries after a request times out', async () => {
    const { server, model } = await setUp([{ text: 'too late', delayMs: 3000 }, 'in time'], { timeoutSeconds: 0.3 });
    const started = Date.now();
    const response = await model.complete({ messages });
    expect(response.texts).toEqual(['in time']);
    expect(response.retries).toBe(1);
    expect(server.requests).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('retries a garbage 200 body and then succeeds', async () => {
    const { model } = await setUp([{ body: 'this is { not json' }, { body: { unexpected: true } }, 'finally']);
    const response = await model.complete({ messages });
    expect(response.texts).toEqual(['finally']);
    expect(response.retries).toBe(2);
  });

  it('gives up after maxRetries with an infrastructure error carrying status and body', async () => {
    const { server, model, calls } = await setUp(() => ({ status: 500, body: { error: { message: 'engine on fire' } } }), { maxRetries: 3 });
    const error = await expectModelError(model.complete({ messages, step: 'distill' }));
    expect(error.code).toBe('MODEL_UNAVAILABLE');
    expect(error.kind).toBe('infrastructure');
    // The SDK hands over the body's `error` object.
    expect(error.details).toMatchObject({ status: 500, attempts: 4, body: { message: 'engine on fire' } });
    expect(error.message).toContain('engine on fire');
    expect(error.message).toContain('step distill');
    expect(server.requests).toHaveLength(4);
    expect(calls[0]?.error?.code).toBe('MODEL_UNAVAILABLE');
  });

  it('reports persistent rate limiting as MODEL_RATE_LIMITED', async () => {
    const { model } = await setUp(() => ({ status: 429, headers: { 'retry-after-ms': '10' } }), { maxRetries: 2 });
    const error = await expectModelError(model.complete({ messages }));
    expect(error.code).toBe('MODEL_RATE_LIMITED');
    expect(error.kind).toBe('infrastructure');
    expect(error.details.status).toBe(429);
  });

  it('fails a 401 at once as a user error whose hint names the key variable', async () => {
    const { server, model } = await setUp([{ status: 401, body: { error: { message: 'Incorrect API key provided' } } }, 'never sent']);
    const error = await expectModelError(model.complete({ messages }));
    expect(error.code).toBe('MODEL_AUTH_FAILED');
    expect(error.kind).toBe('user');
    expect(error.hint).toContain('OPENAI_API_KEY');
    expect(error.message).toContain('Incorrect API key');
    expect(server.requests).toHaveLength(1);
  });

  it('fails a 404 at once and points at the model name and base URL', async () => {
    const { server, model } = await setUp([{ status: 404 }, 'never sent']);
    const error = await expectModelError(model.complete({ messages }));
    expect(error.code).toBe('MODEL_NOT_FOUND');
    expect(error.kind).toBe('user');
    expect(error.hint).toContain('/v1');
    expect(server.requests).toHaveLength(1);
  });

  it('asks for n samples at once and tops up when the server ignores n', async () => {
    const { server, model } = await setUp([{ text: ['a', 'b'] }, { text: 'c' }]);
    const response = await model.complete({ messages, n: 3, temperature: 1 });
    expect(response.texts).toEqual(['a', 'b', 'c']);
    expect(server.requests.map((request) => (request.body as { n?: number }).n)).toEqual([3, undefined]);
    expect((server.requests[0]!.body as { temperature: number }).temperature).toBe(1);
  });

  it('answers on /chat/completions too (base URL without /v1)', async () => {
    server = await startScriptedOpenAiServer({ responses: ['bare path'] });
    const model = createModel(modelConfigSchema.parse({ model: 'local-model', baseUrl: server.url.replace(/\/v1$/, '') }), { environment: {} });
    const response = await model.complete({ messages });
    expect(response.texts).toEqual(['bare path']);
    expect(server.requests[0]!.path).toBe('/chat/completions');
    // Unknown local model: no price, no cost.
    expect(response.costUsd).toBe(0);
  });
});

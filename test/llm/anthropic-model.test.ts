import { afterEach, describe, expect, it } from 'vitest';
import { SweMirrorError } from '../../src/core/errors.js';
import { toAnthropicMessages } from '../../src/llm/anthropic-model.js';
import { createModel } from '../../src/llm/create-model.js';
import { modelConfigSchema, type ModelConfigInput } from '../../src/llm/model-config.js';
import { startScriptedAnthropicServer, type ScriptedHttpResponses, type ScriptedServer } from '../../src/testing/index.js';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setUp(responses: ScriptedHttpResponses, config: ModelConfigInput = {}) {
  server = await startScriptedAnthropicServer({ responses });
  const model = createModel(
    modelConfigSchema.parse({ provider: 'anthropic', model: 'claude-haiku-4-5', baseUrl: server.url, retryInitialDelaySeconds: 0.05, ...config }),
    { environment: { ANTHROPIC_API_KEY: 'anthropic-test-key' } },
  );
  return { server, model };
}

describe('anthropic adapter against the scripted Messages server', () => {
  it('maps the system message to `system`, and reports usage and cost', async () => {
    const { server, model } = await setUp([{ text: 'bonjour', usage: { inputTokens: 2000, outputTokens: 100 } }]);
    const response = await model.complete({
      messages: [
        { role: 'system', content: 'Answer in French.' },
        { role: 'user', content: 'Say hello.' },
      ],
    });
    expect(model.id).toBe('anthropic:claude-haiku-4-5');
    expect(response.texts).toEqual(['bonjour']);
    expect(response.usage).toEqual({ inputTokens: 2000, outputTokens: 100 });
    // claude-haiku-4-5: $1 in, $5 out per million tokens.
    expect(response.costUsd).toBeCloseTo(0.0025, 10);
    const request = server.requests[0]!;
    expect(request.path).toBe('/v1/messages');
    // Older SDKs send x-api-key, newer ones a bearer token: either way the key must arrive.
    expect([request.headers['x-api-key'], request.headers.authorization]).toContainEqual(expect.stringContaining('anthropic-test-key'));
    expect(request.body).toMatchObject({
      model: 'claude-haiku-4-5',
      system: 'Answer in French.',
      messages: [{ role: 'user', content: 'Say hello.' }],
      max_tokens: 4096,
      temperature: 0.7,
    });
  });

  it('loops for n > 1 samples', async () => {
    const { server, model } = await setUp(['one', 'two']);
    const response = await model.complete({ messages: [{ role: 'user', content: 'Pick.' }], n: 2 });
    expect(response.texts).toEqual(['one', 'two']);
    expect(server.requests).toHaveLength(2);
  });

  it('retries 529 overloaded with retry-after, then succeeds', async () => {
    const { server, model } = await setUp([{ status: 529, headers: { 'retry-after': '0.2' } }, 'back']);
    const response = await model.complete({ messages: [{ role: 'user', content: 'Hi.' }] });
    expect(response.texts).toEqual(['back']);
    expect(response.retries).toBe(1);
    expect(server.requests[1]!.receivedAt - server.requests[0]!.receivedAt).toBeGreaterThanOrEqual(190);
  });

  it('fails a 401 at once as a user error naming ANTHROPIC_API_KEY', async () => {
    const { server, model } = await setUp([{ status: 401 }, 'never']);
    const error = await model.complete({ messages: [{ role: 'user', content: 'Hi.' }] }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(SweMirrorError);
    expect((error as SweMirrorError).code).toBe('MODEL_AUTH_FAILED');
    expect((error as SweMirrorError).kind).toBe('user');
    expect((error as SweMirrorError).hint).toContain('ANTHROPIC_API_KEY');
    expect(server.requests).toHaveLength(1);
  });

  it('merges neighbouring turns of one role, as the Messages API requires', () => {
    expect(
      toAnthropicMessages([
        { role: 'system', content: 'a' },
        { role: 'user', content: 'b' },
        { role: 'user', content: 'c' },
        { role: 'system', content: 'd' },
        { role: 'assistant', content: 'e' },
      ]),
    ).toEqual({
      system: 'a\n\nd',
      turns: [
        { role: 'user', content: 'b\n\nc' },
        { role: 'assistant', content: 'e' },
      ],
    });
  });
});

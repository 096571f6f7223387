import { describe, expect, it } from 'vitest';
import { SweMirrorError } from '../../src/core/errors.js';
import { createModel } from '../../src/llm/create-model.js';
import { resolveApiKey, resolveModelConfig } from '../../src/llm/model-config.js';
import { BUILT_IN_PRICES, BUILT_IN_PRICES_CHECKED_ON, computeCostUsd, describeModelPrice, findModelPrice } from '../../src/llm/prices.js';

function catchError(action: () => unknown): SweMirrorError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(SweMirrorError);
    return error as SweMirrorError;
  }
  throw new Error('expected an error');
}

describe('model config resolution', () => {
  it('uses defaults when nothing is given', () => {
    const config = resolveModelConfig({ environment: {} });
    expect(config).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', timeoutSeconds: 120, maxRetries: 5, temperature: 0.7, maxTokens: 4096 });
    expect(config.baseUrl).toBeUndefined();
  });

  it('takes flag over env var over config file', () => {
    const file = { model: 'from-file', baseUrl: 'http://file.example/v1', timeoutSeconds: 30 };
    const environment = { SWE_MIRROR_MODEL: 'from-env', SWE_MIRROR_BASE_URL: 'http://env.example/v1' };
    expect(resolveModelConfig({ file, environment: {} })).toMatchObject({ model: 'from-file', baseUrl: 'http://file.example/v1', timeoutSeconds: 30 });
    expect(resolveModelConfig({ file, environment })).toMatchObject({ model: 'from-env', baseUrl: 'http://env.example/v1', timeoutSeconds: 30 });
    expect(resolveModelConfig({ file, environment, flags: { model: 'from-flag' } })).toMatchObject({
      model: 'from-flag',
      baseUrl: 'http://env.example/v1',
      timeoutSeconds: 30,
    });
  });

  it('lets a provider prefix on the model pick the provider, and infers anthropic for claude models', () => {
    expect(resolveModelConfig({ environment: { SWE_MIRROR_PROVIDER: 'openai' }, flags: { model: 'anthropic:claude-haiku-4-5' } })).toMatchObject({
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
    });
    expect(resolveModelConfig({ environment: {}, flags: { model: 'claude-haiku-4-5' } }).provider).toBe('anthropic');
    // Ollama-style names keep their colon.
    expect(resolveModelConfig({ environment: {}, flags: { model: 'qwen2.5-coder:7b' } })).toMatchObject({ provider: 'openai', model: 'qwen2.5-coder:7b' });
  });

  it('reports every invalid field at once, as a user error', () => {
    const error = catchError(() => resolveModelConfig({ environment: { SWE_MIRROR_PROVIDER: 'gemini' }, file: { timeoutSeconds: -1, maxRetries: 1.5, colour: 'blue' } }));
    expect(error.code).toBe('MODEL_CONFIG_INVALID');
    expect(error.kind).toBe('user');
    expect(error.message).toContain('provider');
    expect(error.message).toContain('timeoutSeconds');
    expect(error.message).toContain('maxRetries');
    expect(error.message).toContain('colour');
  });

  it('names the flag, the env var and the config key when the API key is missing', () => {
    const config = resolveModelConfig({ environment: {} });
    const error = catchError(() => createModel(config, { environment: {} }));
    expect(error.code).toBe('MODEL_API_KEY_MISSING');
    expect(error.kind).toBe('user');
    expect(error.message).toContain('OPENAI_API_KEY');
    expect(error.hint).toContain('--api-key-env');
    expect(error.hint).toContain('SWE_MIRROR_API_KEY_ENV');
    expect(error.hint).toContain('model.apiKeyEnv');

    const anthropic = resolveModelConfig({ environment: {}, flags: { model: 'claude-haiku-4-5' } });
    expect(catchError(() => resolveApiKey(anthropic, {})).message).toContain('ANTHROPIC_API_KEY');
  });

  it('reads the key from the variable apiKeyEnv names, and needs none for a custom base URL', () => {
    const named = resolveModelConfig({ environment: { SWE_MIRROR_API_KEY_ENV: 'TOGETHER_KEY' } });
    expect(resolveApiKey(named, { TOGETHER_KEY: 'secret' })).toBe('secret');
    expect(catchError(() => resolveApiKey(named, { OPENAI_API_KEY: 'other' })).message).toContain('TOGETHER_KEY');
    const local = resolveModelConfig({ environment: {}, flags: { baseUrl: 'http://127.0.0.1:11434/v1' } });
    expect(resolveApiKey(local, {})).toBeUndefined();
  });

  it('refuses the replay provider without a recording', () => {
    const error = catchError(() => createModel(resolveModelConfig({ environment: {}, flags: { provider: 'replay' } })));
    expect(error.kind).toBe('user');
    expect(error.hint).toContain('--replay');
  });
});

describe('price table', () => {
  it('finds dated snapshots and provider-prefixed names by longest prefix', () => {
    expect(findModelPrice('gpt-4o-mini-2024-07-18')).toEqual({ inputPerMillion: 0.15, outputPerMillion: 0.6, checkedOn: BUILT_IN_PRICES_CHECKED_ON });
    expect(findModelPrice('gpt-4o-2024-08-06')).toEqual({ inputPerMillion: 2.5, outputPerMillion: 10, checkedOn: BUILT_IN_PRICES_CHECKED_ON });
    expect(findModelPrice('openrouter/anthropic/claude-sonnet-4-5-20250929')?.inputPerMillion).toBe(3);
    expect(findModelPrice('gpt-4o-minimal')).toBeUndefined();
    expect(findModelPrice('gpt-4o-mini-tts')).toBeUndefined();
    expect(findModelPrice('claude-3-5-haiku-latest')?.outputPerMillion).toBe(4);
    expect(findModelPrice('llama3')).toBeUndefined();
  });

  it('lets the config override the table', () => {
    const price = findModelPrice('gpt-4o', { inputPerMillion: 1, outputPerMillion: 2 });
    expect(computeCostUsd({ inputTokens: 1_000_000, outputTokens: 500_000 }, price)).toBe(2);
    expect(computeCostUsd({ inputTokens: 10, outputTokens: 10 }, undefined)).toBe(0);
  });

  it('dates every built-in entry, and accepts a dated override in the model config', () => {
    expect(Object.values(BUILT_IN_PRICES).every((price) => /^\d{4}-\d{2}-\d{2}$/.test(price.checkedOn ?? ''))).toBe(true);
    expect(describeModelPrice('gpt-4o')).toMatchObject({ source: 'built-in', price: { checkedOn: BUILT_IN_PRICES_CHECKED_ON } });
    expect(describeModelPrice('llama3')).toEqual({ source: 'unknown' });
    const config = resolveModelConfig({ environment: {}, file: { model: 'gpt-4o', prices: { inputPerMillion: 1, outputPerMillion: 2, checkedOn: '2026-12-01' } } });
    expect(describeModelPrice(config.model, config.prices)).toEqual({ source: 'config', price: { inputPerMillion: 1, outputPerMillion: 2, checkedOn: '2026-12-01' } });
    expect(() => resolveModelConfig({ environment: {}, file: { prices: { inputPerMillion: 1, outputPerMillion: 2, checkedOn: 'last week' } } })).toThrow(/YYYY-MM-DD/);
  });
});

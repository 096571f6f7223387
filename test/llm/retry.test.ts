import { describe, expect, it } from 'vitest';
import { SweMirrorError } from '../../src/core/errors.js';
import { callWithRetries, computeBackoffMs, isRetryable, parseRetryAfterMs, type TransportFailure } from '../../src/llm/retry.js';

const policy = { maxRetries: 3, initialDelayMs: 1000, maxDelayMs: 8000, maxRetryAfterMs: 5000 };
const context = { provider: 'openai', model: 'm', apiKeyEnv: 'OPENAI_API_KEY' };

describe('retry policy', () => {
  it('parses retry-after-ms, retry-after seconds and HTTP dates', () => {
    expect(parseRetryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }))).toBe(250);
    expect(parseRetryAfterMs(new Headers({ 'retry-after': '1.5' }))).toBe(1500);
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfterMs(new Headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:03 GMT' }), now)).toBe(3000);
    expect(parseRetryAfterMs(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(parseRetryAfterMs(undefined)).toBeUndefined();
  });

  it('doubles the backoff with jitter inside [half, full], capped', () => {
    expect(computeBackoffMs(0, policy, () => 0)).toBe(500);
    expect(computeBackoffMs(0, policy, () => 1)).toBe(1000);
    expect(computeBackoffMs(2, policy, () => 0.5)).toBe(3000);
    expect(computeBackoffMs(10, policy, () => 1)).toBe(8000);
  });

  it('retries 429, 408, 5xx, timeouts and garbage, not other 4xx', () => {
    const http = (status: number): TransportFailure => ({ kind: 'http', status, message: '', cause: undefined });
    expect([429, 408, 500, 502, 503, 529].map((status) => isRetryable(http(status)))).toEqual([true, true, true, true, true, true]);
    expect([400, 401, 403, 404, 422].map((status) => isRetryable(http(status)))).toEqual([false, false, false, false, false]);
    expect(isRetryable({ kind: 'timeout', message: '', cause: undefined })).toBe(true);
    expect(isRetryable({ kind: 'malformed', message: '', cause: undefined })).toBe(true);
  });

  it('waits what retry-after says (capped) and the backoff otherwise', async () => {
    const waits: number[] = [];
    const failures: TransportFailure[] = [
      { kind: 'http', status: 429, headers: new Headers({ 'retry-after': '60' }), message: 'slow down', cause: undefined },
      { kind: 'http', status: 503, message: 'busy', cause: undefined },
    ];
    const result = await callWithRetries(
      async () => {
        const failure = failures.shift();
        if (failure) throw failure;
        return 'done';
      },
      { policy, context, classify: (error) => error as TransportFailure, sleep: async (milliseconds) => void waits.push(milliseconds), random: () => 0 },
    );
    expect(result).toEqual({ value: 'done', retries: 2 });
    expect(waits).toEqual([5000, 1000]);
  });

  it('rethrows errors that are not transport failures untouched', async () => {
    const bug = new TypeError('bug in our code');
    await expect(callWithRetries(() => Promise.reject(bug), { policy, context, classify: () => undefined })).rejects.toBe(bug);
  });

  it('maps a 400 to a user error with a hint and does not retry', async () => {
    let attempts = 0;
    const error = await callWithRetries(
      () => {
        attempts += 1;
        return Promise.reject(new Error('x'));
      },
      { policy, context: { ...context, step: 'mirror' }, classify: () => ({ kind: 'http', status: 400, body: { message: 'max_tokens too large' }, message: 'Bad request', cause: undefined }) },
    ).catch((thrown: unknown) => thrown);
    expect(attempts).toBe(1);
    expect(error).toBeInstanceOf(SweMirrorError);
    expect(error).toMatchObject({ code: 'MODEL_REQUEST_REJECTED', kind: 'user' });
    expect((error as SweMirrorError).message).toContain('max_tokens too large');
    expect((error as SweMirrorError).message).toContain('step mirror');
  });
});

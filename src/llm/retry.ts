import { setTimeout as sleepFor } from 'node:timers/promises';
import { SweMirrorError } from '../core/errors.js';

/** A failed model call, in terms every adapter can describe. */
export interface TransportFailure {
  /** http: the endpoint answered with an error status; malformed: it answered 2xx with an unusable body. */
  kind: 'http' | 'timeout' | 'connection' | 'malformed';
  status?: number;
  headers?: Headers;
  body?: unknown;
  message: string;
  cause: unknown;
}

export interface RetryPolicy {
  maxRetries: number;
  initialDelayMs: number;
  /** Cap on one exponential-backoff delay. */
  maxDelayMs: number;
  /** Cap on a server's retry-after; a longer wait is cut to this. */
  maxRetryAfterMs: number;
}

/** Who was being called, for error messages. */
export interface CallContext {
  provider: string;
  model: string;
  baseUrl?: string;
  apiKeyEnv: string;
  step?: string;
}

export interface RetryOptions {
  policy: RetryPolicy;
  context: CallContext;
  /** Turn a thrown value into a transport failure; undefined means "not a transport problem": rethrow it. */
  classify: (error: unknown) => TransportFailure | undefined;
  sleep?: (milliseconds: number) => Promise<void>;
  random?: () => number;
  onRetry?: (event: { retry: number; delayMs: number; failure: TransportFailure }) => void;
}

const RETRYABLE_STATUSES = new Set([408, 409, 425, 429]);

/** Whether a failure is worth another try: 429, 408/409, 5xx, timeouts, dropped connections and garbage bodies. */
export function isRetryable(failure: TransportFailure): boolean {
  if (failure.kind !== 'http') return true;
  const status = failure.status ?? 0;
  return status >= 500 || RETRYABLE_STATUSES.has(status);
}

/** Milliseconds a server asked us to wait, from `retry-after-ms`, or `retry-after` as seconds or an HTTP date. */
export function parseRetryAfterMs(headers: Headers | undefined, now: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const milliseconds = headers.get('retry-after-ms');
  if (milliseconds !== null && milliseconds.trim() !== '') {
    const value = Number(milliseconds);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const retryAfter = headers.get('retry-after');
  if (retryAfter === null || retryAfter.trim() === '') return undefined;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(retryAfter);
  if (Number.isFinite(date)) return Math.max(0, date - now);
  return undefined;
}

/** Exponential backoff with "equal jitter": half the doubled delay fixed, half random. */
export function computeBackoffMs(retryIndex: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** retryIndex);
  return exponential / 2 + (random() * exponential) / 2;
}

function describeBody(body: unknown): string {
  if (body === undefined || body === null) return '';
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text.length > 500 ? `${text.slice(0, 500)}...` : text;
}

function where(context: CallContext): string {
  return `${context.provider}:${context.model}${context.baseUrl ? ` at ${context.baseUrl}` : ''}${context.step ? ` (step ${context.step})` : ''}`;
}

/** The error for a failure that will not be retried (any more). */
export function toModelCallError(failure: TransportFailure, context: CallContext, attempts: number): SweMirrorError {
  const body = describeBody(failure.body);
  const details = { status: failure.status, body: failure.body, attempts, provider: context.provider, model: context.model, baseUrl: context.baseUrl, step: context.step };
  const suffix = `${failure.status === undefined ? '' : ` HTTP ${failure.status}`}: ${failure.message}${body && !failure.message.includes(body) ? ` ${body}` : ''}`;
  if (!isRetryable(failure)) {
    const status = failure.status ?? 0;
    if (status === 401 || status === 403) {
      return new SweMirrorError({
        code: 'MODEL_AUTH_FAILED', kind: 'user', cause: failure.cause, details,
        message: `The model endpoint refused the credentials for ${where(context)}${suffix}`,
        hint: `Check the API key in ${context.apiKeyEnv} (or the variable named by --api-key-env / model.apiKeyEnv) and that it may use this model.`,
      });
    }
    if (status === 404) {
      return new SweMirrorError({
        code: 'MODEL_NOT_FOUND', kind: 'user', cause: failure.cause, details,
        message: `The model endpoint does not know ${where(context)}${suffix}`,
        hint: 'Check the model name and the base URL (OpenAI-compatible servers usually want one ending in /v1).',
      });
    }
    return new SweMirrorError({
      code: 'MODEL_REQUEST_REJECTED', kind: 'user', cause: failure.cause, details,
      message: `The model endpoint rejected the request to ${where(context)}${suffix}`,
      hint: 'Check that the model supports the configured temperature and maxTokens, and that the prompt fits its context window.',
    });
  }
  const isRateLimited = failure.status === 429;
  return new SweMirrorError({
    code: isRateLimited ? 'MODEL_RATE_LIMITED' : 'MODEL_UNAVAILABLE',
    kind: 'infrastructure', cause: failure.cause, details,
    message: `${isRateLimited ? 'Still rate limited' : 'The model endpoint kept failing'} after ${attempts} attempt${attempts === 1 ? '' : 's'} for ${where(context)} (last: ${failure.kind}${suffix})`,
    hint: isRateLimited
      ? 'Lower the concurrency, wait for the quota to reset, or raise model.maxRetries.'
      : 'Check that the endpoint is up and reachable; raise model.timeoutSeconds or model.maxRetries for slow servers.',
  });
}

/** Run a model call, retrying transport failures with backoff and honouring retry-after; returns the value and the retry count. */
export async function callWithRetries<T>(operation: () => Promise<T>, options: RetryOptions): Promise<{ value: T; retries: number }> {
  const sleep = options.sleep ?? ((milliseconds: number) => sleepFor(milliseconds));
  const random = options.random ?? Math.random;
  for (let retry = 0; ; retry += 1) {
    try {
      return { value: await operation(), retries: retry };
    } catch (error) {
      const failure = options.classify(error);
      if (!failure) throw error;
      if (!isRetryable(failure) || retry >= options.policy.maxRetries) {
        throw toModelCallError(failure, options.context, retry + 1);
      }
      const retryAfter = parseRetryAfterMs(failure.headers);
      const delayMs = retryAfter === undefined ? computeBackoffMs(retry, options.policy, random) : Math.min(retryAfter, options.policy.maxRetryAfterMs);
      options.onRetry?.({ retry: retry + 1, delayMs, failure });
      await sleep(delayMs);
    }
  }
}

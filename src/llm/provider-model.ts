import { performance } from 'node:perf_hooks';
import type { ChatModel, ChatRequest, ChatResponse, ChatUsage } from '../core/model.js';
import { computeCostUsd, findModelPrice } from './prices.js';
import { hashChatRequest } from './request-hash.js';
import { callWithRetries, type CallContext, type TransportFailure } from './retry.js';
import type { ModelConfig } from './model-config.js';

/** What one HTTP call to a provider yields; it may hold fewer texts than asked for. */
export interface ProviderCallResult {
  texts: string[];
  model: string;
  usage: ChatUsage;
}

/** A 2xx answer whose body is not what the protocol promises (retried like a 5xx). */
export class MalformedResponseError extends Error {
  readonly body: unknown;
  constructor(message: string, body: unknown) {
    super(message);
    this.name = 'MalformedResponseError';
    this.body = body;
  }
}

export interface ProviderModelOptions {
  id: string;
  config: ModelConfig;
  apiKeyEnv: string;
  /** One request to the provider for up to `request.n` samples. */
  send: (request: ChatRequest) => Promise<ProviderCallResult>;
  /** Map the provider SDK's errors to transport failures. */
  classify: (error: unknown) => TransportFailure | undefined;
  onRetry?: (event: { retry: number; delayMs: number; failure: TransportFailure }) => void;
}

/** Wrap a provider's single call with retries, sampling loops, cost and latency accounting. */
export function createProviderModel(options: ProviderModelOptions): ChatModel {
  const { config } = options;
  const policy = {
    maxRetries: config.maxRetries,
    initialDelayMs: config.retryInitialDelaySeconds * 1000,
    maxDelayMs: 60_000,
    maxRetryAfterMs: 300_000,
  };
  return {
    id: options.id,
    async complete(request: ChatRequest): Promise<ChatResponse> {
      const started = performance.now();
      const wanted = Math.max(1, request.n ?? 1);
      const context: CallContext = {
        provider: config.provider,
        model: config.model,
        ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}),
        apiKeyEnv: options.apiKeyEnv,
        ...(request.step ? { step: request.step } : {}),
      };
      const texts: string[] = [];
      const usage: ChatUsage = { inputTokens: 0, outputTokens: 0 };
      let model = config.model;
      let retries = 0;
      // Endpoints that ignore `n` (and Anthropic, which has none) answer one sample per call.
      while (texts.length < wanted) {
        const remaining = wanted - texts.length;
        const result = await callWithRetries(() => options.send({ ...request, n: remaining }), {
          policy,
          context,
          classify: options.classify,
          ...(options.onRetry ? { onRetry: options.onRetry } : {}),
        });
        retries += result.retries;
        texts.push(...result.value.texts.slice(0, remaining));
        usage.inputTokens += result.value.usage.inputTokens;
        usage.outputTokens += result.value.usage.outputTokens;
        model = result.value.model || model;
      }
      const price = findModelPrice(model, config.prices) ?? findModelPrice(config.model);
      return {
        texts,
        model,
        usage,
        costUsd: computeCostUsd(usage, price),
        latencyMs: performance.now() - started,
        requestHash: hashChatRequest(options.id, request),
        cached: false,
        retries,
      };
    },
  };
}

/** The error classes every Stainless-generated SDK (openai, @anthropic-ai/sdk) exports. */
export interface SdkErrorClasses {
  APIUserAbortError: abstract new (...args: never[]) => Error;
  APIConnectionTimeoutError: abstract new (...args: never[]) => Error;
  APIConnectionError: abstract new (...args: never[]) => Error;
  APIError: abstract new (...args: never[]) => Error & { status?: number | undefined; headers?: Headers | undefined; error?: unknown };
}

/** Map an SDK's errors to transport failures: a timeout, a lost connection, an HTTP status, or a malformed body. */
export function classifySdkError(error: unknown, sdk: SdkErrorClasses): TransportFailure | undefined {
  if (error instanceof sdk.APIUserAbortError) return undefined;
  if (error instanceof sdk.APIConnectionTimeoutError) return { kind: 'timeout', message: error.message, cause: error };
  if (error instanceof sdk.APIConnectionError) return { kind: 'connection', message: error.message, cause: error };
  if (error instanceof sdk.APIError && error.status !== undefined) {
    return { kind: 'http', status: error.status, ...(error.headers ? { headers: error.headers } : {}), body: error.error, message: error.message, cause: error };
  }
  return classifyCommonFailure(error);
}

/** Classify errors that are not the SDK's own: garbage bodies we detected, and JSON parse failures. */
export function classifyCommonFailure(error: unknown): TransportFailure | undefined {
  if (error instanceof MalformedResponseError) return { kind: 'malformed', body: error.body, message: error.message, cause: error };
  if (error instanceof SyntaxError) return { kind: 'malformed', message: `unparseable response body (${error.message})`, cause: error };
  return undefined;
}

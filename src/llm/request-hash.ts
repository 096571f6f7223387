import { createHash } from 'node:crypto';
import type { ChatRequest } from '../core/model.js';

/** The fields of a request that decide its answer, in a fixed key order. */
export function normaliseChatRequest(modelId: string | null, request: ChatRequest): Record<string, unknown> {
  return {
    model: modelId,
    messages: request.messages.map((message) => ({ role: message.role, content: message.content })),
    temperature: request.temperature ?? null,
    n: request.n ?? 1,
    maxTokens: request.maxTokens ?? null,
    attempt: request.attempt ?? 0,
  };
}

/**
 * sha256 (hex) of the normalised request. With a model id it is the cache key; with `null`
 * it is the model-independent key that recordings are replayed by.
 */
export function hashChatRequest(modelId: string | null, request: ChatRequest): string {
  return createHash('sha256').update(JSON.stringify(normaliseChatRequest(modelId, request))).digest('hex');
}

/** A rough token count (4 characters a token) for models that report no usage. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

import { performance } from 'node:perf_hooks';
import { isSweMirrorError } from '../core/errors.js';
import type { ChatModel, ChatRequest, ChatResponse } from '../core/model.js';
import { hashChatRequest } from './request-hash.js';

/** One model call as the store records it, successful or not. */
export interface ModelCallRecord {
  modelId: string;
  /** The model that answered, as the endpoint named it (the configured name when the call failed). */
  model: string;
  step: string | undefined;
  attempt: number;
  requestHash: string;
  samples: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  latencyMs: number;
  cached: boolean;
  retries: number;
  startedAt: string;
  error?: { code: string; kind: string; message: string };
}

/** Report every call (hits, misses and failures) to `onCall`; the call's own outcome is unchanged. */
export function withCallObserver(model: ChatModel, onCall: (record: ModelCallRecord) => void): ChatModel {
  return {
    id: model.id,
    async complete(request: ChatRequest): Promise<ChatResponse> {
      const startedAt = new Date().toISOString();
      const started = performance.now();
      const base = { modelId: model.id, step: request.step, attempt: request.attempt ?? 0, samples: request.n ?? 1, startedAt };
      let response: ChatResponse;
      try {
        response = await model.complete(request);
      } catch (error) {
        onCall({
          ...base,
          model: model.id,
          requestHash: hashChatRequest(model.id, request),
          inputTokens: 0,
          outputTokens: 0,
          costUsd: 0,
          latencyMs: performance.now() - started,
          cached: false,
          retries: 0,
          error: isSweMirrorError(error)
            ? { code: error.code, kind: error.kind, message: error.message }
            : { code: 'MODEL_CALL_FAILED', kind: 'internal', message: error instanceof Error ? error.message : String(error) },
        });
        throw error;
      }
      onCall({
        ...base,
        model: response.model,
        requestHash: response.requestHash,
        inputTokens: response.usage.inputTokens,
        outputTokens: response.usage.outputTokens,
        costUsd: response.costUsd,
        latencyMs: response.latencyMs,
        cached: response.cached,
        retries: response.retries ?? 0,
      });
      return response;
    },
  };
}

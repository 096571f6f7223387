import type { ChatModel } from '../core/model.js';
import { withCallObserver } from '../llm/call-observer.js';
import type { Store } from '../store/store.js';
import type { PipelineReporter } from './events.js';

/** The shared model, with every call recorded in the store against one candidate and reported. */
export function modelForCandidate(model: ChatModel, store: Store, reporter: PipelineReporter, candidateId: number | null): ChatModel {
  return withCallObserver(model, (record) => {
    store.recordModelCall({
      candidateId,
      step: record.step ?? 'unknown',
      model: record.model,
      requestHash: record.requestHash,
      inputTokens: record.inputTokens,
      outputTokens: record.outputTokens,
      costUsd: record.costUsd,
      latencyMs: record.latencyMs,
      cached: record.cached,
    });
    reporter.onEvent({ type: 'model-usage', inputTokens: record.inputTokens, outputTokens: record.outputTokens, costUsd: record.costUsd, cached: record.cached });
  });
}

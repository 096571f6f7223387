import { SweMirrorError } from '../core/errors.js';
import type { ChatModel, ChatRequest, ChatResponse } from '../core/model.js';
import { estimateTokens, hashChatRequest } from '../llm/request-hash.js';

/** One scripted answer: a text, an error to throw, or a function of the request (which may throw). */
export type ScriptedAnswer = string | Error | ((request: ChatRequest, callIndex: number) => string | Promise<string>);

/** A list consumed in order (one entry per sample), or one function answering every sample. */
export type ScriptedModelScript = ScriptedAnswer[] | ((request: ChatRequest, callIndex: number) => string | Promise<string>);

export interface ScriptedModel extends ChatModel {
  /** Every request received, in order. */
  readonly calls: ChatRequest[];
  /** How many script entries (samples) have been used. */
  readonly answersUsed: number;
}

/**
 * A chat model for tests that answers from a script. Each sample (n > 1 asks for several)
 * uses the next entry; an Error entry, or a function that throws, simulates a failed call.
 */
export function createScriptedModel(script: ScriptedModelScript, options: { id?: string } = {}): ScriptedModel {
  const calls: ChatRequest[] = [];
  let answersUsed = 0;
  const id = options.id ?? 'scripted';
  const nextAnswer = async (request: ChatRequest): Promise<string> => {
    const index = answersUsed;
    answersUsed += 1;
    if (typeof script === 'function') return script(request, index);
    const entry = script[index];
    if (entry === undefined) {
      throw new SweMirrorError({
        code: 'SCRIPTED_MODEL_EXHAUSTED',
        kind: 'internal',
        message: `The scripted model has ${script.length} answer${script.length === 1 ? '' : 's'} but was asked for answer ${index + 1} (step ${request.step ?? 'unnamed'}).`,
        hint: 'Add answers to the script, or check that the code under test does not call the model more often than expected.',
      });
    }
    if (entry instanceof Error) throw entry;
    return typeof entry === 'function' ? entry(request, index) : entry;
  };
  return {
    id,
    calls,
    get answersUsed() {
      return answersUsed;
    },
    async complete(request: ChatRequest): Promise<ChatResponse> {
      calls.push(request);
      const texts: string[] = [];
      for (let sample = 0; sample < Math.max(1, request.n ?? 1); sample += 1) texts.push(await nextAnswer(request));
      return {
        texts,
        model: id,
        usage: {
          inputTokens: request.messages.reduce((sum, message) => sum + estimateTokens(message.content), 0),
          outputTokens: texts.reduce((sum, text) => sum + estimateTokens(text), 0),
        },
        costUsd: 0,
        latencyMs: 0,
        requestHash: hashChatRequest(id, request),
        cached: false,
        retries: 0,
      };
    },
  };
}

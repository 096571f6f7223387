import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { z } from 'zod';
import type { ChatModel, ChatRequest } from '../core/model.js';
import type { ModelConfig } from './model-config.js';
import { classifySdkError, createProviderModel, MalformedResponseError, type ProviderCallResult } from './provider-model.js';
import { estimateTokens } from './request-hash.js';
import type { TransportFailure } from './retry.js';

// Tolerant: OpenAI-compatible servers differ in what else they send; we need only these fields.
const completionSchema = z.looseObject({
  model: z.string().nullish(),
  choices: z
    .array(
      z.looseObject({
        index: z.number().nullish(),
        message: z.looseObject({ content: z.string().nullish() }).nullish(),
      }),
    )
    .min(1),
  usage: z.looseObject({ prompt_tokens: z.number().nullish(), completion_tokens: z.number().nullish() }).nullish(),
});

export interface OpenAiModelOptions {
  config: ModelConfig;
  apiKey: string | undefined;
  apiKeyEnv: string;
  onRetry?: (event: { retry: number; delayMs: number; failure: TransportFailure }) => void;
}

/** Map the openai SDK's errors to transport failures. */
export function classifyOpenAiError(error: unknown): TransportFailure | undefined {
  return classifySdkError(error, { APIUserAbortError, APIConnectionTimeoutError, APIConnectionError, APIError });
}

/** Parse a chat-completions body (already JSON-decoded, or raw text when the server sent no JSON) into texts and usage. */
export function parseChatCompletion(body: unknown, request: ChatRequest, fallbackModel: string): ProviderCallResult {
  const parsed = completionSchema.safeParse(body);
  if (!parsed.success) {
    throw new MalformedResponseError('the response is not a chat completion (no choices[].message)', typeof body === 'string' ? body.slice(0, 500) : body);
  }
  const choices = [...parsed.data.choices].sort((left, right) => (left.index ?? 0) - (right.index ?? 0));
  const texts = choices.map((choice) => choice.message?.content ?? '');
  const usage = parsed.data.usage;
  return {
    texts,
    model: parsed.data.model ?? fallbackModel,
    usage: {
      inputTokens: usage?.prompt_tokens ?? request.messages.reduce((sum, message) => sum + estimateTokens(message.content), 0),
      outputTokens: usage?.completion_tokens ?? texts.reduce((sum, text) => sum + estimateTokens(text), 0),
    },
  };
}

/** A chat model on any OpenAI-compatible endpoint (OpenAI, vLLM, SGLang, Ollama, llama.cpp, LiteLLM). */
export function createOpenAiModel(options: OpenAiModelOptions): ChatModel {
  const { config } = options;
  const client = new OpenAI({
    // Local servers usually need no key, but the SDK insists on one.
    apiKey: options.apiKey ?? 'no-key',
    ...(config.baseUrl ? { baseURL: config.baseUrl } : {}),
    timeout: config.timeoutSeconds * 1000,
    maxRetries: 0,
  });
  // OpenAI's own newer models reject `max_tokens`; compatible servers do not all know `max_completion_tokens`.
  const maxTokensField = config.baseUrl ? 'max_tokens' : 'max_completion_tokens';
  return createProviderModel({
    id: `openai:${config.model}`,
    config,
    apiKeyEnv: options.apiKeyEnv,
    classify: classifyOpenAiError,
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    async send(request) {
      const n = request.n ?? 1;
      const temperature = request.temperature === undefined ? config.temperature : request.temperature;
      const body = await client.chat.completions.create({
        model: config.model,
        messages: request.messages.map((message) => ({ role: message.role, content: message.content })),
        ...(n > 1 ? { n } : {}),
        ...(temperature === null ? {} : { temperature }),
        [maxTokensField]: request.maxTokens ?? config.maxTokens,
      });
      return parseChatCompletion(body as unknown, request, config.model);
    },
  });
}

import Anthropic, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { z } from 'zod';
import type { ChatMessage, ChatModel, ChatRequest } from '../core/model.js';
import type { ModelConfig } from './model-config.js';
import { classifySdkError, createProviderModel, MalformedResponseError, type ProviderCallResult } from './provider-model.js';
import { estimateTokens } from './request-hash.js';
import type { TransportFailure } from './retry.js';

const messageSchema = z.looseObject({
  model: z.string().nullish(),
  content: z.array(z.looseObject({ type: z.string(), text: z.string().nullish() })),
  usage: z.looseObject({ input_tokens: z.number().nullish(), output_tokens: z.number().nullish() }).nullish(),
});

export interface AnthropicModelOptions {
  config: ModelConfig;
  apiKey: string | undefined;
  apiKeyEnv: string;
  onRetry?: (event: { retry: number; delayMs: number; failure: TransportFailure }) => void;
}

/** Map the @anthropic-ai/sdk errors to transport failures. */
export function classifyAnthropicError(error: unknown): TransportFailure | undefined {
  return classifySdkError(error, { APIUserAbortError, APIConnectionTimeoutError, APIConnectionError, APIError });
}

/** Split our messages into Anthropic's `system` string and alternating user/assistant turns. */
export function toAnthropicMessages(messages: readonly ChatMessage[]): { system: string | undefined; turns: Array<{ role: 'user' | 'assistant'; content: string }> } {
  const systemParts: string[] = [];
  const turns: Array<{ role: 'user' | 'assistant'; content: string }> = [];
  for (const message of messages) {
    if (message.role === 'system') {
      systemParts.push(message.content);
      continue;
    }
    const previous = turns.at(-1);
    // The Messages API wants strict alternation; merge same-role neighbours.
    if (previous && previous.role === message.role) previous.content = `${previous.content}\n\n${message.content}`;
    else turns.push({ role: message.role, content: message.content });
  }
  return { system: systemParts.length > 0 ? systemParts.join('\n\n') : undefined, turns };
}

/** Parse a Messages API body into one text and usage. */
export function parseAnthropicMessage(body: unknown, request: ChatRequest, fallbackModel: string): ProviderCallResult {
  const parsed = messageSchema.safeParse(body);
  if (!parsed.success) {
    throw new MalformedResponseError('the response is not an Anthropic message (no content[])', typeof body === 'string' ? body.slice(0, 500) : body);
  }
  const text = parsed.data.content
    .filter((block) => block.type === 'text')
    .map((block) => block.text ?? '')
    .join('');
  const usage = parsed.data.usage;
  return {
    texts: [text],
    model: parsed.data.model ?? fallbackModel,
    usage: {
      inputTokens: usage?.input_tokens ?? request.messages.reduce((sum, message) => sum + estimateTokens(message.content), 0),
      outputTokens: usage?.output_tokens ?? estimateTokens(text),
    },
  };
}

/** A chat model on Anthropic's Messages API; n > 1 is done by repeated calls. */
export function createAnthropicModel(options: AnthropicModelOptions): ChatModel {
  const { config } = options;
  const client = new Anthropic({
    apiKey: options.apiKey ?? 'no-key',
    ...(config.baseUrl ? { baseURL: config.baseUrl } : {}),
    timeout: config.timeoutSeconds * 1000,
    maxRetries: 0,
  });
  return createProviderModel({
    id: `anthropic:${config.model}`,
    config,
    apiKeyEnv: options.apiKeyEnv,
    classify: classifyAnthropicError,
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    async send(request) {
      const { system, turns } = toAnthropicMessages(request.messages);
      const temperature = request.temperature === undefined ? config.temperature : request.temperature;
      const body = await client.messages.create({
        model: config.model,
        max_tokens: request.maxTokens ?? config.maxTokens,
        messages: turns,
        ...(system === undefined ? {} : { system }),
        // Anthropic accepts 0..1 only.
        ...(temperature === null ? {} : { temperature: Math.min(1, temperature) }),
      });
      return parseAnthropicMessage(body as unknown, request, config.model);
    },
  });
}

import OpenAI from 'openai';
import { z } from 'zod';
import { SweMirrorError } from '../core/errors.js';
import { computeCostUsd, findModelPrice } from '../llm/prices.js';
import { toWireMessages, type AgentModel, type AgentModelReply, type ToolCall } from './agent-model.js';

export interface OpenAiAgentModelOptions {
  model: string;
  /** An OpenAI-compatible endpoint (vLLM, SGLang, LiteLLM...); default OpenAI's. */
  baseUrl?: string;
  apiKey?: string;
  timeoutSeconds?: number;
  /** Transport retries (429, 5xx, timeouts) by the SDK. */
  maxRetries?: number;
}

// Tolerant: compatible servers differ in what else they send.
const replySchema = z.looseObject({
  model: z.string().nullish(),
  choices: z
    .array(
      z.looseObject({
        message: z.looseObject({
          content: z.string().nullish(),
          tool_calls: z
            .array(z.looseObject({ id: z.string().nullish(), function: z.looseObject({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish() }))
            .nullish(),
        }),
      }),
    )
    .min(1),
  usage: z.looseObject({ prompt_tokens: z.number().nullish(), completion_tokens: z.number().nullish() }).nullish(),
});

/** Read a chat-completions body into the agent's reply; tool calls are kept verbatim (arguments unparsed) so malformed ones can be recorded. */
export function parseToolCallingReply(body: unknown, fallbackModel: string, round: number): Omit<AgentModelReply, 'costUsd'> {
  const parsed = replySchema.safeParse(body);
  if (!parsed.success) {
    throw new SweMirrorError({ code: 'AGENT_MODEL_REPLY_INVALID', kind: 'model', message: 'The model endpoint answered something that is not a chat completion (no choices[].message).', hint: 'Check --base-url points at an OpenAI-compatible /v1 endpoint.' });
  }
  const message = parsed.data.choices[0]?.message;
  const toolCalls: ToolCall[] = (message?.tool_calls ?? []).map((call, index) => ({
    id: call.id ?? `call_${round}_${index}`,
    type: 'function',
    function: { name: call.function?.name ?? '', arguments: call.function?.arguments ?? '' },
  }));
  return {
    content: message?.content ?? '',
    toolCalls,
    usage: { inputTokens: parsed.data.usage?.prompt_tokens ?? 0, outputTokens: parsed.data.usage?.completion_tokens ?? 0 },
    model: parsed.data.model ?? fallbackModel,
  };
}

/** An agent model on an OpenAI-compatible endpoint with native tool calling (`tools`, `tool_calls`, `role: tool`). */
export function createOpenAiAgentModel(options: OpenAiAgentModelOptions): AgentModel {
  const client = new OpenAI({
    apiKey: options.apiKey ?? 'no-key',
    ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
    timeout: (options.timeoutSeconds ?? 300) * 1000,
    maxRetries: options.maxRetries ?? 3,
  });
  const price = findModelPrice(options.model);
  let round = 0;
  return {
    id: `openai:${options.model}`,
    async complete(request) {
      round += 1;
      // Why the cast: the SDK's message union is stricter than the plain JSON the wire format allows.
      const body = await client.chat.completions.create({
        model: options.model,
        messages: toWireMessages(request.messages) as unknown as OpenAI.Chat.ChatCompletionMessageParam[],
        tools: request.tools as unknown as OpenAI.Chat.ChatCompletionTool[],
        ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
        ...(request.maxTokens === undefined ? {} : { max_tokens: request.maxTokens }),
      });
      const reply = parseToolCallingReply(body as unknown, options.model, round);
      return { ...reply, costUsd: computeCostUsd(reply.usage, price) };
    },
  };
}

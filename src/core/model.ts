/** The one small chat-model interface every adapter implements. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  messages: ChatMessage[];
  temperature?: number;
  maxTokens?: number;
  /** Number of samples; adapters that cannot do n>1 natively loop. */
  n?: number;
  /** Free-form label of the pipeline step, for records and scripted models. */
  step?: string;
  /** Sample/retry index, part of the cache key: a new index asks for fresh samples. Default 0. */
  attempt?: number;
}

export interface ChatUsage {
  inputTokens: number;
  outputTokens: number;
}

export interface ChatResponse {
  /** One text per sample. */
  texts: string[];
  model: string;
  usage: ChatUsage;
  costUsd: number;
  latencyMs: number;
  /** Hash of the normalised request, the cache key. */
  requestHash: string;
  cached: boolean;
  /** How many transport retries (429, 5xx, timeouts) the call needed. */
  retries?: number;
}

export interface ChatModel {
  /** e.g. `openai:gpt-4o-mini`, `anthropic:claude-sonnet-4-5`, `scripted`. */
  readonly id: string;
  complete(request: ChatRequest): Promise<ChatResponse>;
}

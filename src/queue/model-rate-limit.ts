import type { Redis } from 'ioredis';
import type { ChatModel, ChatRequest, ChatResponse } from '../core/model.js';

/**
 * Take one token from a bucket shared by every process that reaches this Redis: refilled at
 * `perMinute` tokens a minute, holding at most `burst`. Returns 0 when taken, otherwise the
 * milliseconds to wait before asking again. Redis's clock decides, so workers' clocks may differ.
 */
const TAKE_TOKEN = `
local key = KEYS[1]
local rate = tonumber(ARGV[1]) / 60000
local burst = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', key, 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + (now - at) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) / rate) end
redis.call('HSET', key, 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', key, math.ceil(burst / rate) + 60000)
return wait
`;

export interface ModelRateLimit {
  /** Requests a minute to the model endpoint, across every worker of the queue. */
  perMinute: number;
  /** Requests that may go at once after a quiet spell; default one second's worth, at least 1. */
  burst?: number;
}

/** The bucket's key: one per queue prefix and model, so two endpoints do not share a limit. */
export function rateLimitKey(prefix: string, modelId: string): string {
  return `${prefix}:model-rate:${modelId}`;
}

/** Take a token of the shared bucket if there is one: 0 when taken, else the milliseconds until one is due. */
export async function tryTakeModelToken(redis: Redis, key: string, limit: ModelRateLimit): Promise<number> {
  const burst = Math.max(1, limit.burst ?? Math.floor(limit.perMinute / 60));
  return Number(await redis.eval(TAKE_TOKEN, 1, key, String(limit.perMinute), String(burst)));
}

/** Wait for a token of the shared bucket; resolves when this caller may send one request. */
export async function takeModelToken(redis: Redis, key: string, limit: ModelRateLimit): Promise<void> {
  for (;;) {
    const wait = await tryTakeModelToken(redis, key, limit);
    if (wait <= 0) return;
    await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 60_000)));
  }
}

/** A model whose requests each wait for a token of the queue-wide bucket (cache hits never reach it). */
export function withModelRateLimit(model: ChatModel, options: { redis: Redis; prefix: string; limit: ModelRateLimit }): ChatModel {
  const key = rateLimitKey(options.prefix, model.id);
  return {
    id: model.id,
    async complete(request: ChatRequest): Promise<ChatResponse> {
      await takeModelToken(options.redis, key, options.limit);
      return model.complete(request);
    },
  };
}

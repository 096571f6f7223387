import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { ChatModel, ChatRequest, ChatResponse } from '../core/model.js';
import { CACHE_SCHEMA_VERSION } from '../llm/cache.js';
import { hashChatRequest } from '../llm/request-hash.js';

const entrySchema = z.object({
  schemaVersion: z.literal(CACHE_SCHEMA_VERSION),
  requestHash: z.string(),
  model: z.string(),
  texts: z.array(z.string()),
  usage: z.object({ inputTokens: z.number(), outputTokens: z.number() }),
  costUsd: z.number(),
  createdAt: z.string(),
});

/** The Redis hash that holds every worker's model answers, field = request hash. */
export function responseCacheKey(prefix: string): string {
  return `${prefix}:llm-cache`;
}

/**
 * Answer repeated requests from a cache in Redis, which every worker reaches: a job re-run on
 * another machine (its worker was killed) asks the endpoint only what was never answered. The
 * entries are the on-disk cache's (same schema version and request hash); a corrupt one is a miss.
 */
export function withRedisResponseCache(model: ChatModel, options: { redis: Redis; prefix: string }): ChatModel {
  const key = responseCacheKey(options.prefix);
  return {
    id: model.id,
    async complete(request: ChatRequest): Promise<ChatResponse> {
      const started = performance.now();
      const requestHash = hashChatRequest(model.id, request);
      const stored = await options.redis.hget(key, requestHash);
      const hit = stored === null ? undefined : parseEntry(stored, requestHash);
      if (hit) {
        return { texts: hit.texts, model: hit.model, usage: hit.usage, costUsd: 0, latencyMs: performance.now() - started, requestHash, cached: true, retries: 0 };
      }
      const response = await model.complete(request);
      const entry: z.infer<typeof entrySchema> = {
        schemaVersion: CACHE_SCHEMA_VERSION,
        requestHash,
        model: response.model,
        texts: response.texts,
        usage: response.usage,
        costUsd: response.costUsd,
        createdAt: new Date().toISOString(),
      };
      await options.redis.hset(key, requestHash, JSON.stringify(entry));
      return { ...response, requestHash };
    },
  };
}

function parseEntry(text: string, requestHash: string): z.infer<typeof entrySchema> | undefined {
  try {
    const parsed = entrySchema.safeParse(JSON.parse(text));
    return parsed.success && parsed.data.requestHash === requestHash ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

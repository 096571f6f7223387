import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import type { ChatModel, ChatRequest, ChatResponse } from '../core/model.js';
import { hashChatRequest } from './request-hash.js';

export const CACHE_SCHEMA_VERSION = 1;

const cacheEntrySchema = z.object({
  schemaVersion: z.literal(CACHE_SCHEMA_VERSION),
  requestHash: z.string(),
  modelId: z.string(),
  model: z.string(),
  texts: z.array(z.string()),
  usage: z.object({ inputTokens: z.number(), outputTokens: z.number() }),
  /** What the original call cost; a hit costs nothing. */
  costUsd: z.number(),
  createdAt: z.string(),
});

export type CacheEntry = z.infer<typeof cacheEntrySchema>;

/** Where the entry for a hash lives: one JSON file per hash, sharded by its first two hex digits. */
export function cacheEntryPath(directory: string, requestHash: string): string {
  return path.join(directory, requestHash.slice(0, 2), `${requestHash}.json`);
}

/** Read a cache entry; a missing, unreadable or corrupt file is a miss. */
export async function readCacheEntry(directory: string, requestHash: string): Promise<CacheEntry | undefined> {
  let text: string;
  try {
    text = await readFile(cacheEntryPath(directory, requestHash), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = cacheEntrySchema.safeParse(JSON.parse(text));
    return parsed.success && parsed.data.requestHash === requestHash ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Write an entry crash-safely: a temp file in the same directory, then an atomic rename. */
export async function writeCacheEntry(directory: string, entry: CacheEntry): Promise<void> {
  const target = cacheEntryPath(directory, entry.requestHash);
  await mkdir(path.dirname(target), { recursive: true });
  const temporary = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(entry)}\n`, 'utf8');
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Answer repeated requests from an on-disk cache keyed by the request hash (model id,
 * messages, temperature, n, maxTokens, attempt). Sampled answers are cached too: ask with a
 * new `attempt` index, or without a cache, for fresh samples.
 */
export function withResponseCache(model: ChatModel, options: { directory: string }): ChatModel {
  return {
    id: model.id,
    async complete(request: ChatRequest): Promise<ChatResponse> {
      const started = performance.now();
      const requestHash = hashChatRequest(model.id, request);
      const hit = await readCacheEntry(options.directory, requestHash);
      if (hit) {
        return {
          texts: hit.texts,
          model: hit.model,
          usage: hit.usage,
          costUsd: 0,
          latencyMs: performance.now() - started,
          requestHash,
          cached: true,
          retries: 0,
        };
      }
      const response = await model.complete(request);
      await writeCacheEntry(options.directory, {
        schemaVersion: CACHE_SCHEMA_VERSION,
        requestHash,
        modelId: model.id,
        model: response.model,
        texts: response.texts,
        usage: response.usage,
        costUsd: response.costUsd,
        createdAt: new Date().toISOString(),
      });
      return { ...response, requestHash };
    },
  };
}

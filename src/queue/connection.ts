import { Redis } from 'ioredis';
import { SweMirrorError } from '../core/errors.js';

/** Where the queues live: a Redis URL and the key prefix every swe-mirror queue shares. */
export interface QueueLocation {
  url: string;
  /** BullMQ key prefix; all of swe-mirror's keys in that Redis start with it. */
  prefix: string;
}

export const DEFAULT_QUEUE_PREFIX = 'swe-mirror';
/** The queue mirror jobs (mirror a candidate, verification included) travel on. */
export const MIRROR_QUEUE_NAME = 'mirror';

/** Check a `--queue` value (redis://host:port[/db] or rediss://...) and name the queues' location. */
export function parseQueueLocation(url: string, prefix = DEFAULT_QUEUE_PREFIX): QueueLocation {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') || parsed.hostname === '') {
    throw new SweMirrorError({
      code: 'QUEUE_URL_INVALID',
      kind: 'user',
      message: `--queue ${JSON.stringify(url)} is not a Redis URL.`,
      hint: 'Pass redis://host:port (optionally /db, or rediss:// for TLS), e.g. --queue redis://127.0.0.1:6379.',
    });
  }
  return { url, prefix };
}

/** A connection for BullMQ: it retries commands until Redis is back (BullMQ's workers require that). */
export function openRedis(location: QueueLocation, onError?: (error: Error) => void): Redis {
  const redis = new Redis(location.url, {
    maxRetriesPerRequest: null,
    // Reconnect forever, at most every 2 s: a Redis restart pauses the work, it does not end it.
    retryStrategy: (times) => Math.min(100 * times, 2_000),
  });
  // Without a listener ioredis prints every reconnection failure; the caller decides what to show.
  redis.on('error', (error: Error) => onError?.(error));
  return redis;
}

/**
 * A coordinator's connection: like openRedis, and `notice` is told once when the queue goes away (the work
 * pauses, nothing is lost) and once when it is back, not at every reconnection attempt.
 */
export function openCoordinatorRedis(location: QueueLocation, notice: (message: string) => void): Redis {
  let isDisconnected = false;
  const redis = openRedis(location, (error) => {
    if (!isDisconnected) notice(`queue ${location.url} unreachable (${error.message}): waiting for it to come back; nothing is lost`);
    isDisconnected = true;
  });
  redis.on('ready', () => {
    if (isDisconnected) notice(`queue ${location.url} is back`);
    isDisconnected = false;
  });
  return redis;
}

/** Fail fast, with a fix, when nothing answers at the queue's URL (QUEUE_UNREACHABLE, an infrastructure error). */
export async function assertQueueReachable(location: QueueLocation, timeoutMs = 5_000): Promise<void> {
  const probe = new Redis(location.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } catch (cause) {
    throw new SweMirrorError({
      code: 'QUEUE_UNREACHABLE',
      kind: 'infrastructure',
      message: `No Redis answers at ${location.url}: ${(cause as Error).message}.`,
      hint: 'Start Redis there (e.g. `redis-server --port 6379`), or pass the right --queue redis://host:port.',
      cause,
    });
  } finally {
    probe.disconnect();
  }
}

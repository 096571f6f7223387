import { Redis } from 'ioredis';

/** The Redis the queue tests use: SWE_MIRROR_TEST_REDIS (.ci/run starts one), else a local one on 6390. */
export const TEST_REDIS_BASE = process.env.SWE_MIRROR_TEST_REDIS ?? 'redis://127.0.0.1:6390';

/** The URL of one database of the test Redis: each test file takes its own, so files can run side by side. */
export function testRedisUrl(database: number): string {
  return `${TEST_REDIS_BASE.replace(/\/\d+$/, '')}/${database}`;
}

/** Whether a Redis answers at the test URL; the queue tests skip (saying why) only when none does. */
export async function isTestRedisUp(): Promise<boolean> {
  const probe = new Redis(TEST_REDIS_BASE, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2_000 });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

export const REDIS_IS_UP = await isTestRedisUp();
if (!REDIS_IS_UP) {
  console.warn(`test/queue: skipped: no Redis answers at ${TEST_REDIS_BASE} (set SWE_MIRROR_TEST_REDIS, or start redis-server --port 6390)`);
}

/** Empty one database of the test Redis. */
export async function flushTestDatabase(database: number): Promise<void> {
  const redis = new Redis(testRedisUrl(database), { maxRetriesPerRequest: 1 });
  try {
    await redis.flushdb();
  } finally {
    redis.disconnect();
  }
}

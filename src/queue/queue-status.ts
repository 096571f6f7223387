import { Queue } from 'bullmq';
import { MIRROR_QUEUE_NAME, assertQueueReachable, openRedis, type QueueLocation } from './connection.js';
import type { MirrorJobData } from './mirror-job.js';

export interface DeadLetter {
  jobId: string;
  instanceId: string;
  gym: string;
  reason: string;
  attemptsMade: number;
  failedAt: string | null;
  /** The worker that ran its last try (`host:pid`). */
  worker: string | null;
}

export interface QueueStatus {
  url: string;
  queue: string;
  counts: Record<string, number>;
  /** Failed jobs, newest first: the dead letters, with the reason of their last try. */
  deadLetters: DeadLetter[];
  /** Dead letters beyond `limit`, not listed. */
  moreDeadLetters: number;
}

const COUNTED = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'] as const;

/** Read the mirror queue's counts and its dead letters (failed jobs with their reasons). */
export async function readQueueStatus(location: QueueLocation, options: { limit?: number } = {}): Promise<QueueStatus> {
  await assertQueueReachable(location);
  const redis = openRedis(location);
  const queue = new Queue<MirrorJobData>(MIRROR_QUEUE_NAME, { connection: redis, prefix: location.prefix, skipMetasUpdate: true });
  try {
    const counts = (await queue.getJobCounts(...COUNTED)) as Record<string, number>;
    const limit = options.limit ?? 20;
    const failed = await queue.getFailed(0, limit - 1);
    const deadLetters = failed.map((job) => {
      const data = job.data as Partial<MirrorJobData> | undefined;
      return {
        jobId: job.id ?? '?',
        instanceId: data?.instanceId ?? '?',
        gym: data?.gym?.name ?? '?',
        reason: job.failedReason ?? 'no reason recorded',
        attemptsMade: job.attemptsMade,
        failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
        worker: (job as { processedBy?: string }).processedBy ?? null,
      };
    });
    return { url: location.url, queue: `${location.prefix}:${MIRROR_QUEUE_NAME}`, counts, deadLetters, moreDeadLetters: Math.max(0, (counts.failed ?? 0) - deadLetters.length) };
  } finally {
    await queue.close().catch(() => undefined);
    redis.disconnect();
  }
}

/** The status as text: one line of counts, then one block per dead letter. */
export function renderQueueStatus(status: QueueStatus): string {
  const lines = [`queue ${status.queue} at ${status.url}: ${COUNTED.map((name) => `${name} ${status.counts[name] ?? 0}`).join(', ')}`];
  if (status.deadLetters.length === 0) lines.push('dead letters: none');
  else lines.push(`dead letters (${status.counts.failed ?? status.deadLetters.length}):`);
  for (const letter of status.deadLetters) {
    lines.push(`  ${letter.instanceId} (gym ${letter.gym}), ${letter.attemptsMade} tries, failed ${letter.failedAt ?? '?'} on ${letter.worker ?? '?'}`);
    lines.push(`    ${letter.reason.split('\n')[0]}`);
  }
  if (status.moreDeadLetters > 0) lines.push(`  … and ${status.moreDeadLetters} more (--dead-letters <n> to list them)`);
  return lines.join('\n');
}

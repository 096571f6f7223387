import { Queue, type Job } from 'bullmq';
import { MIRROR_QUEUE_NAME, assertQueueReachable, openRedis, type QueueLocation } from './connection.js';
import { EVALUATE_QUEUE_NAME, type EvaluateJobData } from './evaluate-job.js';
import { VERIFY_QUEUE_NAME, type VerifyJobData } from './verify-job.js';
import { ROLLOUT_QUEUE_NAME, type RolloutJobData } from './rollout-job.js';
import type { MirrorJobData } from './mirror-job.js';

export interface DeadLetter {
  /** Which queue: a mirror job (`run --queue`) or an evaluation job (`evaluate --queue`). */
  kind: 'mirror' | 'evaluate' | 'verify' | 'rollout';
  jobId: string;
  instanceId: string;
  gym: string;
  /** For an evaluation job: the prediction's model; for a rollout job: the endpoint's model. */
  model?: string;
  /** For a rollout job: the episode's trial. */
  trial?: number;
  reason: string;
  attemptsMade: number;
  failedAt: string | null;
  /** The worker that ran its last try (`host:pid`). */
  worker: string | null;
}

export interface QueueStatus {
  url: string;
  /** Each queue's full name (`<prefix>:<name>`) and its job counts. */
  queues: Array<{ kind: QueueKind; queue: string; counts: Record<string, number> }>;
  /** The counts summed over the queues. */
  counts: Record<string, number>;
  /** Failed jobs of every queue, newest first: the dead letters, with the reason of their last try. */
  deadLetters: DeadLetter[];
  /** Dead letters beyond `limit`, not listed. */
  moreDeadLetters: number;
}

const COUNTED = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'] as const;
const KINDS = [
  { kind: 'mirror', name: MIRROR_QUEUE_NAME },
  { kind: 'evaluate', name: EVALUATE_QUEUE_NAME },
  { kind: 'verify', name: VERIFY_QUEUE_NAME },
  { kind: 'rollout', name: ROLLOUT_QUEUE_NAME },
] as const;
type QueueKind = (typeof KINDS)[number]['kind'];

function deadLetterOf(kind: QueueKind, job: Job): DeadLetter {
  const base = {
    kind,
    jobId: job.id ?? '?',
    reason: job.failedReason ?? 'no reason recorded',
    attemptsMade: job.attemptsMade,
    failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
    worker: (job as { processedBy?: string }).processedBy ?? null,
  };
  if (kind === 'evaluate') {
    const data = job.data as Partial<EvaluateJobData> | undefined;
    return { ...base, instanceId: data?.task?.instanceId ?? '?', gym: data?.task?.gym ?? '?', ...(data?.prediction ? { model: data.prediction.modelNameOrPath } : {}) };
  }
  if (kind === 'verify') {
    const data = job.data as Partial<VerifyJobData> | undefined;
    return { ...base, instanceId: data?.taskName ?? '?', gym: data?.gym?.name ?? '?' };
  }
  if (kind === 'rollout') {
    const data = job.data as Partial<RolloutJobData> | undefined;
    return { ...base, instanceId: data?.task?.instanceId ?? '?', gym: data?.task?.gym ?? '?', ...(data?.model ? { model: data.model.name } : {}), ...(data?.trial === undefined ? {} : { trial: data.trial }) };
  }
  const data = job.data as Partial<MirrorJobData> | undefined;
  return { ...base, instanceId: data?.instanceId ?? '?', gym: data?.gym?.name ?? '?' };
}

/** Read every queue's counts and the dead letters (failed jobs with their reasons). */
export async function readQueueStatus(location: QueueLocation, options: { limit?: number } = {}): Promise<QueueStatus> {
  await assertQueueReachable(location);
  const redis = openRedis(location);
  const limit = options.limit ?? 20;
  const queues = KINDS.map((entry) => ({ ...entry, queue: new Queue(entry.name, { connection: redis, prefix: location.prefix, skipMetasUpdate: true }) }));
  try {
    const perQueue = [];
    const deadLetters: DeadLetter[] = [];
    const counts: Record<string, number> = Object.fromEntries(COUNTED.map((name) => [name, 0]));
    for (const entry of queues) {
      const queueCounts = (await entry.queue.getJobCounts(...COUNTED)) as Record<string, number>;
      for (const name of COUNTED) counts[name] = (counts[name] ?? 0) + (queueCounts[name] ?? 0);
      perQueue.push({ kind: entry.kind, queue: `${location.prefix}:${entry.name}`, counts: queueCounts });
      for (const job of await entry.queue.getFailed(0, limit - 1)) deadLetters.push(deadLetterOf(entry.kind, job));
    }
    deadLetters.sort((a, b) => (b.failedAt ?? '').localeCompare(a.failedAt ?? ''));
    const listed = deadLetters.slice(0, limit);
    return { url: location.url, queues: perQueue, counts, deadLetters: listed, moreDeadLetters: Math.max(0, (counts.failed ?? 0) - listed.length) };
  } finally {
    await Promise.all(queues.map((entry) => entry.queue.close().catch(() => undefined)));
    redis.disconnect();
  }
}

/** The status as text: one line of counts per queue, then one block per dead letter. */
export function renderQueueStatus(status: QueueStatus): string {
  const lines = status.queues.map((entry) => `queue ${entry.queue} at ${status.url}: ${COUNTED.map((name) => `${name} ${entry.counts[name] ?? 0}`).join(', ')}`);
  if (status.deadLetters.length === 0) lines.push('dead letters: none');
  else lines.push(`dead letters (${status.counts.failed ?? status.deadLetters.length}):`);
  for (const letter of status.deadLetters) {
    const what =
      letter.kind === 'evaluate'
        ? `evaluation of ${letter.instanceId} (${letter.model ?? '?'}, gym ${letter.gym})`
        : letter.kind === 'verify'
          ? `verification of task ${letter.instanceId} (gym ${letter.gym})`
          : letter.kind === 'rollout'
            ? `rollout of ${letter.instanceId} trial ${letter.trial ?? '?'} (${letter.model ?? '?'}, gym ${letter.gym})`
            : `${letter.instanceId} (gym ${letter.gym})`;
    lines.push(`  ${what}, ${letter.attemptsMade} tries, failed ${letter.failedAt ?? '?'} on ${letter.worker ?? '?'}`);
    lines.push(`    ${letter.reason.split('\n')[0]}`);
  }
  if (status.moreDeadLetters > 0) lines.push(`  … and ${status.moreDeadLetters} more (--dead-letters <n> to list them)`);
  return lines.join('\n');
}

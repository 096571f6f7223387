// A worker process for bench/queue-coordinator.ts: takes mirror jobs and answers each at once with a
// canned result (a mirror-failed outcome), so the coordinator's own cost per job is what remains.
//   node --import tsx bench/support/queue-noop-worker.ts <redis-url> <prefix> <concurrency>
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { MIRROR_QUEUE_NAME } from '../../src/queue/connection.js';
import { MIRROR_JOB_SCHEMA_VERSION, type MirrorJobData, type MirrorJobResult } from '../../src/queue/mirror-job.js';

const [url = 'redis://127.0.0.1:6390', prefix = 'swe-mirror-bench', concurrency = '16'] = process.argv.slice(2);
const connection = new Redis(url, { maxRetriesPerRequest: null });
const worker = new Worker<MirrorJobData, MirrorJobResult>(
  MIRROR_QUEUE_NAME,
  async (job) => ({
    schemaVersion: MIRROR_JOB_SCHEMA_VERSION,
    kind: 'mirror',
    instanceId: job.data.instanceId,
    save: { stage: 'mirror-failed', lossRule: 'no-op', lossReason: 'a no-op job', attempt: { steps: [] }, costUsd: 0 },
    modelCalls: [],
    worker: 'no-op',
  }),
  { connection, prefix, concurrency: Number(concurrency) },
);
await worker.waitUntilReady();
process.stdout.write('ready\n');
const stop = (): void => void worker.close().then(() => connection.disconnect());
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

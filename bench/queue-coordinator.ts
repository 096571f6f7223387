/**
 * The queue coordinator's own cost and memory: 10,000 pending candidates go through `queueMirrorStage`
 * (the mirror stage of `swe-mirror run --queue`) against one no-op worker process that answers every job
 * at once (bench/support/queue-noop-worker.ts). What is left is the coordinator's work per job: build the
 * job, add it, poll it, read the result, write it into the SQLite store, remove the job.
 *
 *   node --import tsx bench/queue-coordinator.ts [--jobs 10000] [--max-in-flight 64]
 *
 * Prints the coordinator's CPU time per job (target < 5 ms), the wall time per job, and RSS / heap
 * every second with the jobs in flight, which backpressure bounds by --max-in-flight (64). Redis:
 * SWE_MIRROR_TEST_REDIS (default redis://127.0.0.1:6390), database 15, keys under a private prefix removed at the end.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { RECORD_SCHEMA_VERSION, type SourcePR } from '../src/core/records.js';
import type { PreparedGym } from '../src/gym/types.js';
import { parseQueueLocation } from '../src/queue/connection.js';
import { queueMirrorStage, type MirrorJobSettings } from '../src/queue/queue-mirror-stage.js';
import { Store } from '../src/store/store.js';
import { recordFigure } from './support/figures.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const JOBS = flag('--jobs', 10_000);
const MAX_IN_FLIGHT = flag('--max-in-flight', 64);
const base = (process.env.SWE_MIRROR_TEST_REDIS ?? 'redis://127.0.0.1:6390').replace(/\/\d+$/, '');
const url = `${base}/15`;
const prefix = `swe-mirror-bench-${process.pid}`;
const MEBIBYTE = 1024 * 1024;

function source(number: number): SourcePR {
  return {
    schemaVersion: RECORD_SCHEMA_VERSION,
    repo: 'bench/noop',
    number,
    title: `No-op ${number}`,
    body: `Fixes #${number}.`,
    issues: [{ number, title: 'A bug', body: 'It breaks.' }],
    diff: 'diff --git a/x.py b/x.py\n',
    mergedAt: null,
    url: `https://example.invalid/pr/${number}`,
    origin: 'jsonl',
  };
}

// Only what the stage reads of a prepared gym (it puts the spec in Redis; a URL repo sends no source): no gym is prepared for no-op jobs.
const specDirectory = mkdtempSync(path.join(os.tmpdir(), 'swe-mirror-bench-spec-'));
writeFileSync(path.join(specDirectory, 'gym.yaml'), 'name: noop\n');
const gym = { spec: { name: 'noop' }, loaded: { specPath: path.join(specDirectory, 'gym.yaml'), isRemote: true, spec: { name: 'noop' } }, specHash: 'bench', commit: '0'.repeat(40) } as unknown as PreparedGym;
const settings: MirrorJobSettings = {
  budget: { retriesPerStep: 1, samples: 1 },
  verify: { strict: false, repeats: { run: 1, test: 1, fix: 1 } },
  model: { config: { provider: 'openai', model: 'none' } as MirrorJobSettings['model']['config'], useCache: false },
  unsafeNoSandbox: false,
};

async function removeKeys(): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'swe-mirror-bench-queue-'));
  const store = Store.open(path.join(scratch, 'state.sqlite'));
  store.addCandidates('noop', Array.from({ length: JOBS }, (_, index) => ({ source: source(index + 1), ruleVerdict: { kept: true, reason: 'bench' }, skipLlmFilter: true })));
  const worker = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'support', 'queue-noop-worker.ts'), url, prefix, '16'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    worker.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    worker.once('exit', (code) => reject(new Error(`the no-op worker exited (${code})`)));
  });
  process.stdout.write(`queue coordinator: ${JOBS} no-op jobs, --max-in-flight ${MAX_IN_FLIGHT}, one no-op worker process (concurrency 16), Redis ${url}; load average ${os.loadavg().map((load) => load.toFixed(2)).join(' ')}\n`);

  let started = 0;
  let done = 0;
  let peakInFlight = 0;
  const samples: Array<{ seconds: number; done: number; inFlight: number; rss: number; heap: number }> = [];
  const begin = performance.now();
  const sample = (): void => {
    const memory = process.memoryUsage();
    samples.push({ seconds: (performance.now() - begin) / 1000, done, inFlight: started - done, rss: memory.rss / MEBIBYTE, heap: memory.heapUsed / MEBIBYTE });
  };
  sample();
  const timer = setInterval(sample, 1000);
  const cpuBefore = process.cpuUsage();
  const result = await queueMirrorStage({
    location: parseQueueLocation(url, prefix),
    gyms: new Map([['noop', gym]]),
    store,
    settings,
    maxInFlight: MAX_IN_FLIGHT,
    pollIntervalMs: 5,
    reporter: {
      onEvent: (event) => {
        if (event.type === 'item-start') started += 1;
        if (event.type === 'item-done') done += 1;
        peakInFlight = Math.max(peakInFlight, started - done);
      },
      close: () => undefined,
    },
  });
  const cpu = process.cpuUsage(cpuBefore);
  const wallMs = performance.now() - begin;
  clearInterval(timer);
  sample();
  worker.kill('SIGTERM');
  store.close();
  rmSync(scratch, { recursive: true, force: true });
  rmSync(specDirectory, { recursive: true, force: true });
  await removeKeys();

  process.stdout.write('  seconds   done  in flight  RSS MiB  heap MiB\n');
  for (const entry of samples) {
    process.stdout.write(`  ${entry.seconds.toFixed(1).padStart(7)}  ${String(entry.done).padStart(5)}  ${String(entry.inFlight).padStart(9)}  ${entry.rss.toFixed(1).padStart(7)}  ${entry.heap.toFixed(1).padStart(8)}\n`);
  }
  const cpuMsPerJob = (cpu.user + cpu.system) / 1000 / JOBS;
  const wallMsPerJob = wallMs / JOBS;
  // Bounded: after the first tenth, the heap may move with garbage collection but not grow with the jobs done.
  const settled = samples.filter((entry) => entry.done >= JOBS / 10);
  const heapGrowth = settled.length > 1 ? Math.max(...settled.map((entry) => entry.heap)) - (settled[0]?.heap ?? 0) : 0;
  const peakRss = Math.max(...samples.map((entry) => entry.rss));
  process.stdout.write(
    `written ${done} results (${result.leftPending} left pending) in ${(wallMs / 1000).toFixed(1)} s: coordinator CPU ${cpuMsPerJob.toFixed(2)} ms per job (target < 5 ms), wall ${wallMsPerJob.toFixed(2)} ms per job, ` +
      `peak in flight ${peakInFlight} (bound ${MAX_IN_FLIGHT}), peak RSS ${peakRss.toFixed(0)} MiB, heap growth after the first tenth ${heapGrowth.toFixed(1)} MiB; load average ${os.loadavg().map((load) => load.toFixed(2)).join(' ')}\n`,
  );
  recordFigure(import.meta.filename, { measure: `coordinator CPU per job (${JOBS} no-op jobs)`, value: `${cpuMsPerJob.toFixed(2)} ms`, target: '< 5 ms', isMet: cpuMsPerJob < 5 });
  recordFigure(import.meta.filename, { measure: 'coordinator wall time per job (1 no-op worker)', value: `${wallMsPerJob.toFixed(2)} ms` });
  recordFigure(import.meta.filename, { measure: 'jobs in flight at most (backpressure)', value: String(peakInFlight), target: `<= ${MAX_IN_FLIGHT}`, isMet: peakInFlight <= MAX_IN_FLIGHT });
  recordFigure(import.meta.filename, { measure: 'coordinator heap growth after 10% of the jobs', value: `${heapGrowth.toFixed(1)} MiB`, target: '< 32 MiB', isMet: heapGrowth < 32 });
  if (result.leftPending > 0 || done !== JOBS || cpuMsPerJob >= 5 || peakInFlight > MAX_IN_FLIGHT || heapGrowth >= 32) process.exitCode = 1;
}

await main();

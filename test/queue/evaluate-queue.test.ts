import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportResult } from '../../src/dataset/export.js';
import { runCli, type CliResult } from '../support/pipeline-cli.js';
import { ADD_FIX, MUL_FIX, exportCalcTasks } from '../validate/calc-export.js';
import { spawnWorker, type WorkerProcess } from './queue-harness.js';
import { REDIS_IS_UP, flushTestDatabase, testRedisUrl } from './redis-for-tests.js';

// Slow: `swe-mirror evaluate --queue` with two real worker processes, each with its own data folder (as
// on two machines: they get the exported gym from the jobs, not from a shared path). The worker that
// starts calc-mul's job is SIGKILLed; the job re-runs on the other one after the stall interval.
const DATABASE = 10;

/** MUL_FIX plus a conftest.py that keeps the suite from starting: the run ends at the gym's time limit (unresolved). */
const MUL_FIX_HANGING = `${MUL_FIX}diff --git a/conftest.py b/conftest.py\nnew file mode 100644\n--- /dev/null\n+++ b/conftest.py\n@@ -0,0 +1,2 @@\n+import time\n+time.sleep(90)\n`;

function reportsOf(output: string): Record<string, unknown> {
  const reports: Record<string, unknown> = {};
  for (const instance of ['calc-add', 'calc-mul']) {
    const file = path.join(output, 'swe-mirror', 'queue-test', instance, 'report.json');
    reports[instance] = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
  }
  return reports;
}

function summaryOf(output: string): Record<string, unknown> {
  const summary = JSON.parse(readFileSync(path.join(output, 'queue-test.swe-mirror.json'), 'utf8')) as Record<string, unknown>;
  const { resolved_ids, unresolved_ids, error_ids, completed_ids, empty_patch_ids, total_instances, resolve_rate } = summary;
  return { resolved_ids, unresolved_ids, error_ids, completed_ids, empty_patch_ids, total_instances, resolve_rate };
}

function startsOf(worker: WorkerProcess, instance: string): number {
  return worker.output().split('\n').filter((line) => line.includes(`start evaluate__${instance}__`)).length;
}

describe.skipIf(!REDIS_IS_UP)('swe-mirror evaluate --queue, a worker SIGKILLed mid-job', { timeout: 900_000 }, () => {
  const queueUrl = testRedisUrl(DATABASE);
  let exported: ExportResult;
  let predictionsFile: string;
  let localOutput: string;
  let queueOutput: string;
  let local: CliResult;
  let queued: CliResult;
  let rerun: CliResult;
  let workers: WorkerProcess[] = [];
  let victim: WorkerProcess | undefined;

  beforeAll(async () => {
    await flushTestDatabase(DATABASE);
    exported = await exportCalcTasks();
    const exportDirectory = path.dirname(exported.sweBenchFile);
    // A short time limit, so the hanging prediction ends as an unresolved evaluation on the survivor.
    const specFile = path.join(exportDirectory, 'gyms', 'calc.yaml');
    const spec = await readFile(specFile, 'utf8');
    await writeFile(specFile, `${spec.replace(/^timeLimitSeconds:.*\n/m, '')}timeLimitSeconds: 20\n`);
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-evaluate-queue-'));
    predictionsFile = path.join(directory, 'predictions.jsonl');
    await writeFile(
      predictionsFile,
      [
        { instance_id: 'calc-add', model_name_or_path: 'queue-test', model_patch: ADD_FIX },
        { instance_id: 'calc-mul', model_name_or_path: 'queue-test', model_patch: MUL_FIX_HANGING },
      ]
        .map((row) => JSON.stringify(row))
        .join('\n'),
    );
    localOutput = path.join(directory, 'local');
    queueOutput = path.join(directory, 'queued');
    const evaluate = (output: string, extra: string[]) =>
      runCli(['evaluate', '--tasks', exported.sweBenchFile, '--predictions', predictionsFile, '--output', output, '--data-dir', path.join(directory, `${path.basename(output)}-data`), '--baseline-runs', '1', ...extra]);
    local = await evaluate(localOutput, []);

    workers = [0, 1].map((index) => spawnWorker(queueUrl, path.join(directory, `worker-${index}-data`), ['--stall-seconds', '5']));
    // Whichever worker starts calc-mul's job first is killed then: its suite cannot end before the gym's 20 s limit.
    const watcher = setInterval(() => {
      if (victim) return;
      victim = workers.find((worker) => startsOf(worker, 'calc-mul') > 0);
      victim?.child.kill('SIGKILL');
    }, 50);
    try {
      queued = await evaluate(queueOutput, ['--queue', queueUrl]);
    } finally {
      clearInterval(watcher);
    }
    rerun = await evaluate(queueOutput, ['--queue', queueUrl]);
  }, 900_000);

  afterAll(() => {
    for (const worker of workers) worker.child.kill('SIGTERM');
  });

  it('writes the local run’s reports and summary, with the killed job re-run on the other worker', async () => {
    const workerOutput = workers.map((worker) => worker.output()).join('\n---\n');
    expect(local.code, local.output).toBe(0);
    expect(queued.code, `${queued.output}\n--- workers ---\n${workerOutput}`).toBe(0);
    expect(victim, workerOutput).toBeDefined();
    const survivor = workers.find((worker) => worker !== victim)!;
    expect(victim!.child.signalCode).toBe('SIGKILL');
    expect(survivor.child.exitCode).toBeNull();

    const expected = reportsOf(localOutput);
    expect(expected['calc-add']).toMatchObject({ 'calc-add': { resolved: true } });
    expect(expected['calc-mul']).toMatchObject({ 'calc-mul': { resolved: false, patch_successfully_applied: true } });
    expect(reportsOf(queueOutput)).toEqual(expected);
    expect(summaryOf(queueOutput)).toEqual(summaryOf(localOutput));
    expect(await readFile(path.join(queueOutput, 'swe-mirror', 'queue-test', 'calc-add', 'test_output.txt'), 'utf8')).toContain('test_add');

    // calc-mul's job started on the victim, then once on the survivor; calc-add's once in all.
    expect(startsOf(victim!, 'calc-mul')).toBe(1);
    expect(startsOf(survivor, 'calc-mul')).toBe(1);
    expect(workers.reduce((sum, worker) => sum + startsOf(worker, 'calc-add'), 0)).toBe(1);
  });

  it('enqueues nothing on a rerun: every report is already written, and no job is left in Redis', async () => {
    expect(rerun.code, rerun.output).toBe(0);
    expect(rerun.stdout).toContain('(earlier run)');
    expect(workers.reduce((sum, worker) => sum + startsOf(worker, 'calc-add') + startsOf(worker, 'calc-mul'), 0)).toBe(3);
    const redis = new Redis(queueUrl);
    try {
      const keys = await redis.keys('swe-mirror:evaluate:evaluate__*');
      expect(keys).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});

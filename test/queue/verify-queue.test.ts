import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PYTHON_GYM_SPEC, runCli, type CliResult } from '../support/pipeline-cli.js';
import { spawnWorker, type WorkerProcess } from './queue-harness.js';
import { REDIS_IS_UP, flushTestDatabase, testRedisUrl } from './redis-for-tests.js';

// `swe-mirror verify --queue` against a real Redis and a real worker process with its own data folder
// (the gym's spec and source come with the job): the verdict equals a local verify's of the same task.
const DATABASE = 15;
const TASKS = path.join(path.dirname(PYTHON_GYM_SPEC), 'tasks');
const CASES = ['valid', 'invalid-fix-regresses'] as const;

interface Compared {
  valid: boolean;
  rules: string[];
  FAIL_TO_PASS: string[];
  PASS_TO_PASS: string[];
  gym: string;
  fixPatch: string;
}

async function comparedOf(file: string): Promise<Compared> {
  const verdict = JSON.parse(await readFile(file, 'utf8')) as Compared & { reasons: Array<{ rule: string }> };
  return {
    valid: verdict.valid,
    rules: verdict.reasons.map((reason) => reason.rule),
    FAIL_TO_PASS: verdict.FAIL_TO_PASS,
    PASS_TO_PASS: verdict.PASS_TO_PASS,
    gym: verdict.gym,
    fixPatch: verdict.fixPatch,
  };
}

function jobIdOf(result: CliResult): string | undefined {
  return /job (verify__\S+) on /.exec(result.stderr)?.[1];
}

describe.skipIf(!REDIS_IS_UP)('swe-mirror verify --queue', { timeout: 900_000 }, () => {
  const queueUrl = testRedisUrl(DATABASE);
  let directory: string;
  let worker: WorkerProcess;
  const local: Record<string, CliResult> = {};
  const queued: Record<string, CliResult> = {};
  let rerun: CliResult;

  beforeAll(async () => {
    await flushTestDatabase(DATABASE);
    directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-verify-queue-'));
    worker = spawnWorker(queueUrl, path.join(directory, 'worker-data'));
    for (const name of CASES) {
      const task = path.join(TASKS, name);
      const env = { SWE_MIRROR_DATA_DIR: path.join(directory, 'local-data') };
      local[name] = await runCli(['verify', '--gym', PYTHON_GYM_SPEC, '--task', task, '--runs', '1', '--out', path.join(directory, `${name}.local.json`)], { env });
      queued[name] = await runCli(['verify', '--gym', PYTHON_GYM_SPEC, '--task', task, '--runs', '1', '--out', path.join(directory, `${name}.queue.json`), '--queue', queueUrl], {
        env: { SWE_MIRROR_DATA_DIR: path.join(directory, 'coordinator-data') },
      });
    }
    rerun = await runCli(['verify', '--gym', PYTHON_GYM_SPEC, '--task', path.join(TASKS, 'valid'), '--runs', '1', '--out', path.join(directory, 'valid.rerun.json'), '--queue', queueUrl]);
  });

  afterAll(() => {
    worker?.child.kill('SIGTERM');
  });

  it.each(CASES)('%s: the worker’s verdict equals the local one, written where a local verify writes it, with the same exit code', async (name) => {
    expect(local[name]!.stderr).not.toMatch(/\n\s+at /);
    expect(queued[name]!.stderr).not.toMatch(/\n\s+at /);
    expect(queued[name]!.code, queued[name]!.output).toBe(local[name]!.code);
    expect(local[name]!.code).toBe(name === 'valid' ? 0 : 1);
    const expected = JSON.parse(await readFile(path.join(TASKS, name, 'expected.json'), 'utf8')) as { valid: boolean };
    const fromQueue = await comparedOf(path.join(directory, `${name}.queue.json`));
    expect(fromQueue).toEqual(await comparedOf(path.join(directory, `${name}.local.json`)));
    expect(fromQueue.valid).toBe(expected.valid);
    expect(queued[name]!.stdout).toContain(fromQueue.valid ? 'VALID  python-pytest' : 'INVALID  python-pytest');
    // The verdict says where it was reached: on the worker, not here.
    const file = JSON.parse(await readFile(path.join(directory, `${name}.queue.json`), 'utf8')) as { runtime: string; logDirectory: string; runCounts: unknown[] };
    expect(file.runtime).toMatch(new RegExp(`on worker .*:${worker.child.pid}$`));
    expect(file.logDirectory).toContain(path.join(directory, 'worker-data'));
    expect(file.runCounts.length).toBeGreaterThan(0);
    expect(worker.output()).toContain(`start ${jobIdOf(queued[name]!)}`);
  });

  it('names the job by the task content: the same task is the same job, another task another', () => {
    expect(jobIdOf(rerun)).toBeDefined();
    expect(jobIdOf(rerun)).toBe(jobIdOf(queued.valid!));
    expect(jobIdOf(queued['invalid-fix-regresses']!)).not.toBe(jobIdOf(queued.valid!));
    expect(rerun.code).toBe(0);
  });
});

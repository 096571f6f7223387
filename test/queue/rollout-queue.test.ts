import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { readTrajectories, type TrajectoryRecord } from '../../src/agent/trajectory.js';
import type { ExportResult } from '../../src/dataset/export.js';
import { ROLLOUT_JOB_SCHEMA_VERSION, rolloutJobId, type RolloutJobData } from '../../src/queue/rollout-job.js';
import { startScriptedOpenAiServer, type ScriptedServer } from '../../src/testing/index.js';
import { repositoryOf, scriptedReply, solveCalcAdd, type ScriptedTurn } from '../agent/scripted-agent.js';
import { hasStackTrace, runCli, type CliResult } from '../support/pipeline-cli.js';
import { calcTasks, exportCalcTasks } from '../validate/calc-export.js';
import { spawnWorker, type WorkerProcess } from './queue-harness.js';
import { REDIS_IS_UP, flushTestDatabase, testRedisUrl } from './redis-for-tests.js';

// Slow: `swe-mirror rollout --queue` with two real worker processes on their own data folders (as on two
// machines: the exported gym comes with the jobs). The worker holding calc-mul trial 0 is SIGKILLed while
// that episode waits for its second model answer; the episode re-runs from its start on the other worker.
const DATABASE = 3;
const TRIALS = 2;

/** calc-mul: swaps the operands of the sum instead of multiplying (applies, fixes nothing): an unresolved episode. */
function solveCalcMulWrongly(repository: string): ScriptedTurn[] {
  return [
    { content: 'Looking at mul.', calls: [['execute_bash', JSON.stringify({ command: 'grep -n "def mul" -A1 calc.py' })]] },
    { calls: [['str_replace_editor', JSON.stringify({ command: 'str_replace', path: `${repository}/calc.py`, old_str: 'def mul(a, b):\n    return a + b', new_str: 'def mul(a, b):\n    return b + a' })]] },
    { calls: [['finish', JSON.stringify({ message: 'mul: operands swapped' })]] },
  ];
}

/**
 * The episode a request belongs to. Trials are alike by design, so a request names only its task (by the
 * problem statement) and, through the repository path (the prepared gym's, under the data folder), the worker sending it.
 */
function episodeOf(body: unknown): { repository: string; instance: string; worker: number; turn: number } {
  const messages = (body as { messages: Array<{ role: string; content: string }> }).messages;
  const repository = repositoryOf(body);
  const instance = /\b(calc-add|calc-mul) is broken\b/.exec(messages.find((message) => message.role === 'user')?.content ?? '')?.[1] ?? '?';
  const worker = Number(/\/worker-(\d)-data\//.exec(repository)?.[1] ?? -1);
  return { repository, instance, worker, turn: messages.filter((message) => message.role === 'assistant').length };
}

/** A record as two runs can compare it: timings dropped, the agent's repository path (it differs per run and machine) replaced. */
function comparable(record: TrajectoryRecord): unknown {
  const { duration_ms: _duration, overhead_ms: _overhead, created_at: _created, ...rest } = record;
  const repository = repositoryOf({ messages: record.messages });
  return JSON.parse(JSON.stringify(rest).split(repository).join('<repository>'));
}

function byEpisode(records: TrajectoryRecord[]): Map<string, unknown> {
  return new Map([...records].sort((a, b) => a.instance_id.localeCompare(b.instance_id) || a.trial - b.trial).map((record) => [`${record.instance_id}#${record.trial}`, comparable(record)]));
}

/** The active rollout jobs and the pid of the worker holding each, from the jobs' own records in Redis. */
async function activeRolloutJobs(queueUrl: string): Promise<Array<{ id: string; pid: number }>> {
  const redis = new Redis(queueUrl);
  try {
    const ids = await redis.lrange('swe-mirror:rollout:active', 0, -1);
    return Promise.all(ids.map(async (id) => ({ id, pid: Number((await redis.hget(`swe-mirror:rollout:${id}`, 'pb'))?.split(':').at(-1)) })));
  } finally {
    redis.disconnect();
  }
}

/** The rollout jobs in Redis (waiting, active, finished and not yet written back, failed), from their hashes. */
async function rolloutJobsInRedis(queueUrl: string): Promise<string[]> {
  const redis = new Redis(queueUrl);
  try {
    return (await redis.keys('swe-mirror:rollout:rollout__*')).filter((key) => /^swe-mirror:rollout:rollout__[^:]+$/.test(key));
  } finally {
    redis.disconnect();
  }
}

function startsOf(worker: WorkerProcess | string, instance: string, trial: number): number {
  return (typeof worker === 'string' ? worker : worker.output()).split('\n').filter((line) => line.includes(`start rollout__${instance}__trial-${trial}__`)).length;
}

describe.skipIf(!REDIS_IS_UP)('swe-mirror rollout --queue', { timeout: 900_000 }, () => {
  const queueUrl = testRedisUrl(DATABASE);
  const kill: { armed: boolean; victim?: WorkerProcess; jobId?: string; error?: string } = { armed: false };
  /** Rollout jobs in Redis, counted at each request a worker sends during the --max-in-flight 3 run. */
  const inFlight: Array<Promise<number>> = [];
  const coordinatorKill: { armed: boolean; child?: ChildProcess; killed: boolean } = { armed: false, killed: false };
  let afterRerun: string[] = [];
  let keysAfterRerun: string[] = [];
  let poisoned: { run: CliResult; status: CliResult };
  let resumed: { first: CliResult; second: CliResult; bucket: Record<string, string>; jobsBefore: string[]; jobsAfter: string[]; logs: string[] };
  let server: ScriptedServer;
  let exported: ExportResult;
  let directory: string;
  let local: CliResult;
  let queued: CliResult;
  let rerun: CliResult;
  let workers: WorkerProcess[] = [];

  const rolloutCli = (output: string, extra: string[]) =>
    runCli(['rollout', '--tasks', exported.sweBenchFile, '--model', 'openai:scripted-agent', '--base-url', server.url, '--trials', String(TRIALS), '--output', output, ...extra]);

  beforeAll(async () => {
    await flushTestDatabase(DATABASE);
    // Each task its own statement, so that a request names its task.
    exported = await exportCalcTasks(calcTasks().map((task) => ({ ...task, problemStatement: `${task.instanceId} is broken: fix it.` })));
    directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-rollout-queue-'));
    server = await startScriptedOpenAiServer({
      responses: (body) => {
        const episode = episodeOf(body);
        if (kill.armed && episode.worker >= 0 && !coordinatorKill.armed) inFlight.push(rolloutJobsInRedis(queueUrl).then((jobs) => jobs.length));
        // The coordinator, SIGKILLed when the episode's last answer is asked for: the worker finishes the job with no one to write it.
        if (coordinatorKill.armed && episode.instance === 'calc-add' && episode.turn === 5 && !coordinatorKill.killed) {
          coordinatorKill.killed = true;
          coordinatorKill.child?.kill('SIGKILL');
        }
        if (kill.armed && episode.worker >= 0 && episode.instance === 'calc-mul' && episode.turn === 1 && !kill.victim) {
          // The sender, SIGKILLed while it waits for this answer; its job is named by the job's own record (BullMQ's `pb`, host:pid).
          kill.victim = workers[episode.worker];
          void activeRolloutJobs(queueUrl).then((active) => {
            kill.jobId = active.find((job) => job.pid === kill.victim?.child.pid)?.id;
            if (!kill.victim || !kill.jobId) kill.error = `worker ${episode.worker} holds no active job (${JSON.stringify(active)})`;
            kill.victim?.child.kill('SIGKILL');
          }, (error: Error) => (kill.error = error.message));
          return { text: 'never delivered', delayMs: 120_000 };
        }
        const script = episode.instance === 'calc-add' ? solveCalcAdd(episode.repository) : solveCalcMulWrongly(episode.repository);
        return scriptedReply(episode.turn, script[episode.turn] ?? { content: 'I am out of script.' });
      },
    });

    local = await rolloutCli(path.join(directory, 'local.jsonl'), ['--data-dir', path.join(directory, 'local-data')]);
    workers = [0, 1].map((index) => spawnWorker(queueUrl, path.join(directory, `worker-${index}-data`), ['--stall-seconds', '5']));
    kill.armed = true;
    queued = await rolloutCli(path.join(directory, 'queued.jsonl'), ['--queue', queueUrl, '--max-in-flight', '3']);
    rerun = await rolloutCli(path.join(directory, 'queued.jsonl'), ['--queue', queueUrl]);
    afterRerun = workers.map((worker) => worker.output());
    const probe = new Redis(queueUrl);
    keysAfterRerun = await probe.keys('swe-mirror:rollout:rollout__*').finally(() => probe.disconnect());

    // A coordinator killed -9 while its one job runs; the job completes in Redis; the same command again writes it from there.
    coordinatorKill.armed = true;
    // --model-rate: the worker takes a token of the queue-wide bucket of this model before each request.
    const resumedArgs = ['--queue', queueUrl, '--instance-ids', 'calc-add', '--trials', '1', '--temperature', '0.7', '--model-rate', '6000'];
    const resumedOutput = path.join(directory, 'resumed.jsonl');
    const first = await runCli(['rollout', '--tasks', exported.sweBenchFile, '--model', 'openai:scripted-agent', '--base-url', server.url, '--output', resumedOutput, ...resumedArgs], {
      onSpawn: (child) => (coordinatorKill.child = child),
    });
    // Waiting for the job's state, not for a time: the bound only keeps a broken run from hanging the suite.
    const redis = new Redis(queueUrl);
    try {
      for (let polls = 0; polls < 3000 && (await redis.zcard('swe-mirror:rollout:completed')) === 0; polls += 1) await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      redis.disconnect();
    }
    const jobsBefore = await rolloutJobsInRedis(queueUrl);
    const second = await runCli(['rollout', '--tasks', exported.sweBenchFile, '--model', 'openai:scripted-agent', '--base-url', server.url, '--output', resumedOutput, ...resumedArgs]);
    const bucketProbe = new Redis(queueUrl);
    const bucket = await bucketProbe.hgetall('swe-mirror:model-rate:openai:scripted-agent').finally(() => bucketProbe.disconnect());
    resumed = { first, second, bucket, jobsBefore, jobsAfter: await rolloutJobsInRedis(queueUrl), logs: workers.map((worker, index) => worker.output().slice(afterRerun[index]!.length)) };

    // A copy of the export whose gym install fails on the worker: a dead letter at its first try.
    const poisonedExport = path.join(directory, 'poisoned-export');
    await cp(path.dirname(exported.sweBenchFile), poisonedExport, { recursive: true });
    const specFile = path.join(poisonedExport, 'gyms', 'calc.yaml');
    const spec = parse(await readFile(specFile, 'utf8')) as Record<string, unknown>;
    await writeFile(specFile, stringify({ ...spec, install: ['echo "no toolchain here" >&2; exit 7'] }));
    const run = await runCli(['rollout', '--tasks', path.join(poisonedExport, 'tasks.jsonl'), '--model', 'openai:scripted-agent', '--base-url', server.url, '--output', path.join(directory, 'poisoned.jsonl'), '--queue', queueUrl, '--instance-ids', 'calc-add', '--trials', '1']);
    poisoned = { run, status: await runCli(['status', '--queue', queueUrl]) };
  }, 900_000);

  afterAll(async () => {
    for (const worker of workers) worker.child.kill('SIGKILL');
    await server?.close();
    if (directory) await rm(directory, { recursive: true, force: true });
    if (exported) await rm(path.dirname(exported.sweBenchFile), { recursive: true, force: true });
  });

  it('writes the trajectories of a local run, the killed episode re-run on the other worker and written once', async () => {
    const workerOutput = workers.map((worker) => worker.output()).join('\n---\n');
    expect(local.code, local.output).toBe(0);
    expect(queued.code, `${queued.output}\n--- workers ---\n${workerOutput}`).toBe(0);
    expect(kill.error, workerOutput).toBeUndefined();
    const victim = kill.victim!;
    expect((await victim.exited).signal).toBe('SIGKILL');
    const survivor = workers.find((worker) => worker !== victim)!;
    expect(survivor.child.exitCode).toBeNull();

    const expected = await readTrajectories(path.join(directory, 'local.jsonl'));
    const got = await readTrajectories(path.join(directory, 'queued.jsonl'));
    // Every (instance, trial) once, and the same episodes as the local run: patches, exits, evaluations, messages, sandbox.
    expect(got.map((record) => `${record.instance_id}#${record.trial}`).sort()).toEqual(['calc-add#0', 'calc-add#1', 'calc-mul#0', 'calc-mul#1']);
    expect(byEpisode(got)).toEqual(byEpisode(expected));
    const summary = [...got].sort((a, b) => a.instance_id.localeCompare(b.instance_id) || a.trial - b.trial).map((record) => [record.instance_id, record.trial, record.exit_reason, record.evaluation?.patch_applied, record.evaluation?.resolved]);
    expect(summary).toEqual([
      ['calc-add', 0, 'finished', true, true],
      ['calc-add', 1, 'finished', true, true],
      ['calc-mul', 0, 'finished', true, false],
      ['calc-mul', 1, 'finished', true, false],
    ]);

    // The killed episode started on the victim, then once on the survivor, from its first request; every other episode once in all.
    const killed = /^rollout__calc-mul__trial-(\d)__/.exec(kill.jobId ?? '');
    expect(killed, kill.jobId).not.toBeNull();
    const killedTrial = Number(killed![1]);
    const [victimLog, survivorLog] = [afterRerun[workers.indexOf(victim)]!, afterRerun[workers.indexOf(survivor)]!];
    expect(startsOf(victimLog, 'calc-mul', killedTrial)).toBe(1);
    expect(startsOf(survivorLog, 'calc-mul', killedTrial)).toBe(1);
    for (const [instance, trial] of [['calc-add', 0], ['calc-add', 1], ['calc-mul', 1 - killedTrial]] as const) {
      expect(startsOf(victimLog, instance, trial) + startsOf(survivorLog, instance, trial), `${instance} trial ${trial}`).toBe(1);
    }
    // --max-in-flight 3: never more than 3 of the 4 episodes' jobs in Redis at once.
    const counts = await Promise.all(inFlight);
    expect(counts.length).toBeGreaterThan(0);
    expect(Math.max(...counts)).toBeLessThanOrEqual(3);
    const queuedRequests = server.requests.filter((request) => episodeOf(request.body).worker >= 0 && (request.body as { temperature?: number }).temperature === 1);
    const mulStarts = queuedRequests.filter((request) => episodeOf(request.body).instance === 'calc-mul' && episodeOf(request.body).turn === 0);
    expect(mulStarts).toHaveLength(3);
    // No API key travels in a job: each worker sent its own environment's (queue-harness sets OPENAI_API_KEY=test-key).
    expect(new Set(queuedRequests.map((request) => request.headers.authorization))).toEqual(new Set(['Bearer test-key']));
  });

  it('enqueues nothing on a rerun: every episode is already in the output, and no rollout job is left in Redis', async () => {
    expect(rerun.code, rerun.output).toBe(0);
    expect(rerun.stdout).toContain(`0 episode(s) run, 4 already in`);
    expect(afterRerun.reduce((sum, log) => sum + ['calc-add', 'calc-mul'].reduce((inner, instance) => inner + startsOf(log, instance, 0) + startsOf(log, instance, 1), 0), 0)).toBe(5);
    expect(keysAfterRerun).toEqual([]);
    expect(await readTrajectories(path.join(directory, 'queued.jsonl'))).toHaveLength(4);
  });

  it('writes a result that finished while its coordinator was dead from the job, without running the episode again', async () => {
    expect(coordinatorKill.killed).toBe(true);
    expect(resumed.first.signal, resumed.first.output).toBe('SIGKILL');
    // The finished job waited in Redis for the coordinator's return; the second one wrote it and removed it.
    expect(resumed.jobsBefore).toHaveLength(1);
    expect(resumed.jobsBefore[0]).toMatch(/^swe-mirror:rollout:rollout__calc-add__trial-0__/);
    expect(resumed.second.code, resumed.second.output).toBe(0);
    expect(resumed.second.stdout).toContain('1 episode(s) run, 0 already in');
    expect(resumed.jobsAfter).toEqual([]);
    const [record, ...more] = await readTrajectories(path.join(directory, 'resumed.jsonl'));
    expect(more).toEqual([]);
    expect(record).toMatchObject({ instance_id: 'calc-add', trial: 0, temperature: 0.7, exit_reason: 'finished', success: true });
    // The episode ran once: one start on the workers, one first request at temperature 0.7.
    expect(resumed.logs.reduce((sum, log) => sum + startsOf(log, 'calc-add', 0), 0)).toBe(1);
    const firstRequests = server.requests.filter((request) => (request.body as { temperature?: number }).temperature === 0.7 && episodeOf(request.body).turn === 0);
    expect(firstRequests).toHaveLength(1);
    // The rate limit does not change the job id (the finished job was found), and its bucket was used.
    expect(Object.keys(resumed.bucket).sort()).toEqual(['at', 'tokens']);
  });

  it('reports an episode whose job is a dead letter, writes nothing for it, exits 1, and status lists it', () => {
    expect(poisoned.run.code, poisoned.run.output).toBe(1);
    expect(poisoned.run.stderr).toMatch(/warning: calc-add trial 0 not run: job rollout__calc-add__trial-0__\w+ failed after 1 tries on [^:]+:\d+: [^]*exit 7/);
    expect(poisoned.run.stdout).toMatch(/0 episode\(s\) run, 0 already in [^;]*; 0 successful; 1 not run \(see `swe-mirror status --queue/);
    expect(hasStackTrace(poisoned.run.output)).toBe(false);
    expect(existsSync(path.join(directory, 'poisoned.jsonl')) ? readFileSync(path.join(directory, 'poisoned.jsonl'), 'utf8') : '').toBe('');
    expect(poisoned.status.code, poisoned.status.output).toBe(0);
    expect(poisoned.status.stdout).toMatch(/queue swe-mirror:rollout at [^:]+:[^:]+:\d+\/\d+: waiting 0, active 0, delayed 0, prioritized 0, completed 0, failed 1/);
    expect(poisoned.status.stdout).toContain('rollout of calc-add trial 0 (scripted-agent, gym calc), 1 tries');
  });
});

describe.skipIf(!REDIS_IS_UP)('two rollout --queue coordinators on one trajectories file', { timeout: 300_000 }, () => {
  // Its own database, with no worker: the first coordinator's job waits, so it is still running when the second starts.
  const queueUrl = testRedisUrl(DATABASE + 1);

  it('refuses the second one (exit 2, naming the first) while the first waits for its job', async () => {
    await flushTestDatabase(DATABASE + 1);
    const exported = await exportCalcTasks();
    const output = path.join(path.dirname(exported.sweBenchFile), 'runs', 'trajectories.jsonl');
    const args = ['rollout', '--tasks', exported.sweBenchFile, '--model', 'openai:m', '--base-url', 'http://127.0.0.1:9/v1', '--output', output, '--queue', queueUrl, '--instance-ids', 'calc-add', '--trials', '1'];
    let first: ChildProcess | undefined;
    const firstRun = runCli(args, { onSpawn: (child) => (first = child) });
    const redis = new Redis(queueUrl);
    try {
      // Waiting for the first one's job to be in Redis, not for a time: the bound only keeps a broken run from hanging the suite.
      for (let polls = 0; polls < 1500 && (await redis.llen('swe-mirror:rollout:wait')) === 0; polls += 1) await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await redis.llen('swe-mirror:rollout:wait')).toBe(1);
      const second = await runCli(args);
      expect(second.code, second.output).toBe(2);
      expect(second.stderr).toContain(`The trajectories file ${output} is in use by pid ${first?.pid}`);
      expect(hasStackTrace(second.output)).toBe(false);
      expect(await redis.llen('swe-mirror:rollout:wait')).toBe(1);
    } finally {
      first?.kill('SIGKILL');
      await firstRun;
      redis.disconnect();
      await rm(path.dirname(exported.sweBenchFile), { recursive: true, force: true });
    }
  });
});

describe('rollout job ids', () => {
  const data: RolloutJobData = {
    schemaVersion: ROLLOUT_JOB_SCHEMA_VERSION,
    kind: 'rollout',
    task: { instanceId: 'calc-add', gym: 'calc', baseCommit: 'b'.repeat(40), patch: 'fix', testPatch: 'test', FAIL_TO_PASS: ['t'], PASS_TO_PASS: [], gymCommit: undefined },
    trial: 0,
    problemStatement: 'x is wrong',
    gym: { name: 'calc', specBlob: 'a'.repeat(64), bundleBlob: 'c'.repeat(64) },
    model: { name: 'm', apiKeyEnv: 'OPENAI_API_KEY' },
    settings: { temperature: 1, maxRounds: 100 },
  };

  it('is the same for the same episode, and differs with the trial or anything that defines the episode but the rate limit', () => {
    const id = rolloutJobId(data);
    expect(id).toMatch(/^rollout__calc-add__trial-0__[0-9a-f]{16}$/);
    expect(rolloutJobId(structuredClone(data))).toBe(id);
    expect(rolloutJobId({ ...data, model: { ...data.model, rateLimit: { perMinute: 60 } } })).toBe(id);
    const changed = [
      { ...data, trial: 1 },
      { ...data, settings: { ...data.settings, temperature: 0.5 } },
      { ...data, settings: { ...data.settings, maxRounds: 10 } },
      { ...data, settings: { ...data.settings, maxCostUsd: 1 } },
      { ...data, model: { ...data.model, name: 'other' } },
      { ...data, gym: { ...data.gym, bundleBlob: 'd'.repeat(64) } },
    ].map(rolloutJobId);
    expect(new Set([id, ...changed]).size).toBe(changed.length + 1);
  });
});

describe('rollout --queue refuses bad input before any work', () => {
  const tasks = path.join(tmpdir(), 'no-such-export', 'tasks.jsonl');
  const cases: Array<{ args: string[]; code: number; says: RegExp }> = [
    { args: ['--queue', 'redis://127.0.0.1:6390', '--workers', '2'], code: 2, says: /--workers cannot be combined with --queue[^]*--max-in-flight/ },
    { args: ['--queue', 'redis://127.0.0.1:6390', '--unsafe-no-sandbox'], code: 2, says: /each worker decides its own sandbox[^]*swe-mirror worker/ },
    { args: ['--queue', 'redis://127.0.0.1:6390', '--data-dir', '/tmp/x'], code: 2, says: /--data-dir cannot be combined with --queue/ },
    { args: ['--max-in-flight', '4'], code: 2, says: /--max-in-flight works only with --queue/ },
    { args: ['--queue', 'http://127.0.0.1:6390'], code: 2, says: /is not a Redis URL/ },
    { args: ['--queue', 'redis://127.0.0.1:6390', '--max-in-flight', '0'], code: 2, says: /--max-in-flight "0" is not a positive whole number/ },
    // Nothing listens on port 1: the same message (and exit 3) as the other coordinators.
    { args: ['--queue', 'redis://127.0.0.1:1'], code: 3, says: /No Redis answers at redis:\/\/127\.0\.0\.1:1[^]*redis-server/ },
  ];
  for (const { args, code, says } of cases) {
    it(`${args.join(' ')} → exit ${code}`, async () => {
      const result = await runCli(['rollout', '--tasks', tasks, '--model', 'openai:m', ...args]);
      expect(result.code, result.output).toBe(code);
      expect(result.stderr).toMatch(says);
      expect(hasStackTrace(result.output)).toBe(false);
    });
  }
});

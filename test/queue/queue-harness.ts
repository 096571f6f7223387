import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { ScriptedHttpResponse } from '../../src/testing/index.js';
import { Store } from '../../src/store/store.js';
import { RECORD_SCHEMA_VERSION, type SourcePR } from '../../src/core/records.js';
import { DISTILLED_PATTERN, SOURCE_PR } from '../mirror/mirror-fixtures.js';
import { PYTHON_ANSWERS, PYTHON_GYM_SPEC, REPOSITORY_ROOT, buildStepRouter, stepOf } from '../support/pipeline-cli.js';

/** The PR numbers of the two candidates; each request names its own (see `markerOf`). */
export const NUMBERS = [412, 413] as const;

/** One request the scripted model server received. */
export interface SeenRequest {
  hash: string;
  step: string;
  number: number;
}

function userText(body: unknown): string {
  const messages = (body as { messages: Array<{ role: string; content: string }> }).messages;
  return messages.map((message) => message.content).join('\n');
}

/**
 * The candidate a request is for. Every prompt carries a marker: the PR body and issue text have it,
 * and the distilled pattern (in every later prompt) repeats it, so no two candidates share a request.
 */
export function markerOf(body: unknown): number {
  const match = /marker-(\d+)/.exec(userText(body));
  if (!match) throw new Error(`request without a candidate marker: ${userText(body).slice(0, 120)}`);
  return Number(match[1]);
}

export function hashOf(body: unknown): string {
  return createHash('sha256').update(JSON.stringify((body as { messages: unknown }).messages)).digest('hex').slice(0, 16);
}

/** Answer as the python fixture does, recording each request; `override` may answer (or act) first. */
export function markedResponder(seen: SeenRequest[], override?: (request: SeenRequest) => ScriptedHttpResponse | string | undefined) {
  const route = buildStepRouter();
  return (body: unknown): ScriptedHttpResponse | string => {
    const request: SeenRequest = { hash: hashOf(body), step: stepOf(body, route), number: markerOf(body) };
    seen.push(request);
    const answer = override?.(request);
    if (answer !== undefined) return answer;
    if (request.step === 'distill') return `${DISTILLED_PATTERN}\nSeen first in report marker-${request.number}.`;
    return PYTHON_ANSWERS[request.step] ?? 'no answer';
  };
}

/** prs.jsonl with the two marked candidates and a config for the python fixture gym; returns the config path. */
export async function writeQueueConfig(directory: string, serverUrl: string): Promise<string> {
  const rows = NUMBERS.map((number, index) =>
    JSON.stringify({
      org: 'example',
      repo: 'versionkit',
      number,
      title: index === 0 ? SOURCE_PR.title : 'Sort release candidates numerically',
      body: `Fixes #${number - 10}. (marker-${number})`,
      fix_patch: SOURCE_PR.diff,
      test_patch: '',
      resolved_issues: [{ number: number - 10, title: SOURCE_PR.issues[0]!.title, body: `${SOURCE_PR.issues[0]!.body}\n\nSeen in marker-${number}.` }],
    }),
  );
  const prs = path.join(directory, 'prs.jsonl');
  await writeFile(prs, `${rows.join('\n')}\n`);
  const config = path.join(directory, 'swe-mirror.yaml');
  await writeFile(
    config,
    [
      `output: ${path.join(directory, 'out')}`,
      `gyms: [${PYTHON_GYM_SPEC}]`,
      `sources: [{ type: jsonl, path: ${prs} }]`,
      `model: { provider: openai, model: scripted, baseUrl: "${serverUrl}", maxRetries: 0, timeoutSeconds: 600 }`,
      'verify: { repeats: { run: 1, test: 1, fix: 1 } }',
      'concurrency: { model: 1, tests: 1 }',
    ].join('\n'),
  );
  return config;
}

/** A `swe-mirror worker` child process and everything it printed. */
export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: string | null }>;
}

export function spawnWorker(queueUrl: string, dataDirectory: string, extraArgs: string[] = []): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'worker', '--queue', queueUrl, '--concurrency', '1', '--tests', '1', ...extraArgs], {
    cwd: REPOSITORY_ROOT,
    env: { ...process.env, OPENAI_API_KEY: 'test-key', SWE_MIRROR_DATA_DIR: dataDirectory },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, output: () => output, exited };
}

/** The pid of the worker holding the active job of a candidate, from the job's own record (`processedBy` = host:pid). */
export async function holderOfActiveJob(queueUrl: string, number: number, prefix = 'swe-mirror'): Promise<number | undefined> {
  const redis = new Redis(queueUrl);
  try {
    for (const id of await redis.lrange(`${prefix}:mirror:active`, 0, -1)) {
      if (!id.includes(`-${number}__`)) continue;
      // BullMQ keeps the worker name as `pb` in the job's hash (Job.processedBy).
      const holder = await redis.hget(`${prefix}:mirror:${id}`, 'pb');
      const pid = holder ? Number(holder.split(':').at(-1)) : Number.NaN;
      if (Number.isInteger(pid)) return pid;
    }
    return undefined;
  } finally {
    redis.disconnect();
  }
}

/** What a run left in its store, in a form two runs can be compared by. */
export function readQueueStore(file: string) {
  const store = Store.open(file);
  try {
    const database = store.database;
    return {
      tasks: store.listTasks({ includeDuplicates: true }).map((task) => ({
        instanceId: task.instanceId,
        FAIL_TO_PASS: [...task.FAIL_TO_PASS].sort(),
        PASS_TO_PASS: [...task.PASS_TO_PASS].sort(),
        mirrorPatch: task.mirrorPatch,
        testPatch: task.testPatch,
        fixPatch: task.fixPatch,
        problemStatement: task.problemStatement,
        baseCommit: task.baseCommit,
        model: task.model,
        duplicateOf: task.duplicateOf,
      })),
      stages: database.prepare('SELECT stage, COUNT(*) AS count FROM candidates GROUP BY stage ORDER BY stage').all(),
      attemptsPerCandidate: database.prepare('SELECT candidate_id, COUNT(*) AS count FROM attempts GROUP BY candidate_id ORDER BY candidate_id').all() as Array<{ count: number }>,
      modelCallRows: (database.prepare('SELECT COUNT(*) AS count FROM model_calls').get() as { count: number }).count,
    };
  } finally {
    store.close();
  }
}

/** A small source PR for queue jobs built by hand (job ids, results, budgets). */
export const JOB_SOURCE: SourcePR = {
  schemaVersion: RECORD_SCHEMA_VERSION,
  repo: 'example/versionkit',
  number: 7,
  title: 'Fix ordering',
  body: 'Fixes #1.',
  issues: [{ number: 1, title: 'Wrong order', body: 'rc.10 sorts first' }],
  diff: 'diff --git a/x.py b/x.py\n',
  mergedAt: null,
  url: 'https://example.invalid/pr/7',
  origin: 'jsonl',
};

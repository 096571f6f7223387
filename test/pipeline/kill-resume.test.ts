import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPromptTemplate, MIRROR_PROMPTS } from '../../src/prompts/templates.js';
import { Store } from '../../src/store/store.js';
import { startScriptedOpenAiServer, type ScriptedServer } from '../../src/testing/index.js';
import { DISTILLED_PATTERN, PYTHON, SOURCE_PR } from '../mirror/mirror-fixtures.js';

// Slow: two real pipeline runs of the python fixture gym, one of them killed with SIGKILL mid-way.
const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The first words of each prompt's user message (up to its first placeholder) → the step. */
async function buildStepRouter(): Promise<(userMessage: string) => string> {
  const prefixes: Array<[string, string]> = [];
  for (const name of MIRROR_PROMPTS) prefixes.push([loadPromptTemplate(name).user.split('{{')[0]!.trim(), name]);
  prefixes.push([loadPromptTemplate('filter-mirrorability').user.split('{{')[0]!.trim(), 'filter-mirrorability']);
  return (userMessage) => {
    const match = prefixes.find(([prefix]) => userMessage.trim().startsWith(prefix));
    if (!match) throw new Error(`no step matches the request: ${userMessage.slice(0, 80)}`);
    return match[1];
  };
}

const ANSWERS: Record<string, string> = {
  'filter-mirrorability': '{"mirrorable": true, "reason": "The gym compares pre-release identifiers too."}',
  distill: DISTILLED_PATTERN,
  'test-localize': PYTHON.testLocalize,
  'test-generate': PYTHON.testGenerate,
  'mirror-localize': PYTHON.mirrorLocalize,
  'mirror-generate': PYTHON.mirrorGenerate,
  statement: PYTHON.statement,
};

function multiSweBenchRow(number: number, title: string): string {
  return JSON.stringify({
    org: 'example',
    repo: 'versionkit',
    number,
    title,
    body: `Fixes #${number - 10}.`,
    fix_patch: SOURCE_PR.diff,
    test_patch: '',
    resolved_issues: [{ number: number - 10, title: SOURCE_PR.issues[0]!.title, body: SOURCE_PR.issues[0]!.body }],
  });
}

interface Harness {
  server: ScriptedServer;
  hashes: string[];
  killAt?: { index: number; child?: ChildProcess };
}

function hashBody(body: unknown): string {
  return createHash('sha256').update(JSON.stringify((body as { messages: unknown }).messages)).digest('hex').slice(0, 16);
}

async function writeConfig(directory: string, serverUrl: string): Promise<string> {
  const prs = path.join(directory, 'prs.jsonl');
  await writeFile(prs, `${multiSweBenchRow(412, SOURCE_PR.title)}\n${multiSweBenchRow(413, 'Sort release candidates numerically')}\n`);
  const config = path.join(directory, 'swe-mirror.yaml');
  await writeFile(
    config,
    [
      `output: ${path.join(directory, 'out')}`,
      `gyms: [${path.join(repositoryRoot, 'test/fixtures/gyms/python-pytest/gym.yaml')}]`,
      `sources: [{ type: jsonl, path: ${prs} }]`,
      `model: { provider: openai, model: scripted, baseUrl: "${serverUrl}", maxRetries: 0, timeoutSeconds: 600 }`,
      'verify: { repeats: { run: 1, test: 2, fix: 2 } }',
      'concurrency: { model: 1, tests: 1 }',
    ].join('\n'),
  );
  return config;
}

function runCli(config: string, dataDirectory: string, harness?: Harness): Promise<{ code: number | null; signal: string | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'run', '--config', config, '--progress', 'plain'], {
      cwd: repositoryRoot,
      env: { ...process.env, SWE_MIRROR_DATA_DIR: dataDirectory },
    });
    if (harness?.killAt) harness.killAt.child = child;
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code, signal) => resolve({ code, signal, output }));
  });
}

function readStore(file: string) {
  const store = Store.open(file);
  try {
    const database = store.database;
    return {
      tasks: store.listTasks({ includeDuplicates: true }).map((task) => ({ id: task.instanceId, failToPass: [...task.FAIL_TO_PASS].sort(), duplicateOf: task.duplicateOf })),
      stages: database.prepare('SELECT stage, COUNT(*) AS count FROM candidates GROUP BY stage ORDER BY stage').all(),
      attemptsPerCandidate: database.prepare('SELECT candidate_id, COUNT(*) AS count FROM attempts GROUP BY candidate_id').all() as Array<{ count: number }>,
      candidates: (database.prepare('SELECT COUNT(*) AS count FROM candidates').get() as { count: number }).count,
    };
  } finally {
    store.close();
  }
}

describe('swe-mirror run, killed with SIGKILL and run again', { timeout: 600_000 }, () => {
  const harness: Harness = { server: undefined as unknown as ScriptedServer, hashes: [] };
  let dataDirectory: string;

  beforeAll(async () => {
    const routeStep = await buildStepRouter();
    harness.server = await startScriptedOpenAiServer({
      responses: (body) => {
        harness.hashes.push(hashBody(body));
        if (harness.killAt && harness.hashes.length - 1 === harness.killAt.index) {
          // Kill the pipeline while this request is in flight: its answer never arrives.
          harness.killAt.child?.kill('SIGKILL');
          return { text: 'never delivered', delayMs: 5_000 };
        }
        const messages = (body as { messages: Array<{ role: string; content: string }> }).messages;
        const user = messages.find((message) => message.role === 'user')?.content ?? '';
        return ANSWERS[routeStep(user)] ?? 'no answer';
      },
    });
    dataDirectory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-kill-data-'));
  });

  afterAll(async () => {
    await harness.server?.close();
  });

  it('loses nothing, duplicates nothing and repeats no answered model call', async () => {
    // Reference: one uninterrupted run.
    const referenceDirectory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-kill-ref-'));
    const reference = await runCli(await writeConfig(referenceDirectory, harness.server.url), dataDirectory);
    expect(reference.code, reference.output).toBe(0);
    const referenceHashes = [...harness.hashes];
    const expected = readStore(path.join(referenceDirectory, 'out', 'state.sqlite'));
    expect(expected.tasks.filter((task) => task.duplicateOf === null)).toHaveLength(1);
    expect(expected.tasks).toHaveLength(2);

    // Same work, killed in the middle of the first candidate's mirroring, then resumed.
    harness.hashes.length = 0;
    const killIndex = 4;
    harness.killAt = { index: killIndex };
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-kill-run-'));
    const config = await writeConfig(directory, harness.server.url);
    const killed = await runCli(config, dataDirectory, harness);
    expect(killed.signal).toBe('SIGKILL');
    const killedHashes = [...harness.hashes];
    expect(killedHashes).toHaveLength(killIndex + 1);
    harness.killAt = undefined;

    harness.hashes.length = 0;
    const resumed = await runCli(config, dataDirectory);
    expect(resumed.code, resumed.output).toBe(0);
    const resumedHashes = [...harness.hashes];

    // Every request the killed run got an answer to was answered from the cache on resume:
    // only the one in flight at the kill is asked again.
    const answeredBeforeKill = new Set(killedHashes.slice(0, killIndex));
    expect(resumedHashes.filter((hash) => answeredBeforeKill.has(hash))).toEqual([]);
    expect(resumedHashes[0]).toBe(killedHashes[killIndex]);
    expect([...killedHashes.slice(0, killIndex), ...resumedHashes].sort()).toEqual([...referenceHashes].sort());

    // Same tasks, no duplicated candidates or attempts.
    const actual = readStore(path.join(directory, 'out', 'state.sqlite'));
    expect(actual.tasks.map((task) => ({ ...task }))).toEqual(expected.tasks);
    expect(actual.stages).toEqual(expected.stages);
    expect(actual.candidates).toBe(expected.candidates);
    expect(actual.attemptsPerCandidate.every((row) => row.count === 1)).toBe(true);
    const exported = (await readFile(path.join(directory, 'out', 'tasks.jsonl'), 'utf8')).trim().split('\n');
    expect(exported).toHaveLength(1);

    // Both runs left a structured log: one JSON object per pipeline event.
    const logLines = (await readFile(path.join(directory, 'out', 'run.log'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(logLines.filter((line) => line.type === 'stage-done' && line.stage === 'export')).toHaveLength(1);
    expect(logLines.filter((line) => line.type === 'stage-start' && line.stage === 'prepare')).toHaveLength(2);
  });
});

import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { startScriptedOpenAiServer, type ScriptedServer } from '../../src/testing/index.js';
import { buildStepRouter, PYTHON_ANSWERS, runCli, stepOf, writePipelineConfig, type CliResult } from '../support/pipeline-cli.js';

// Slow: two real pipeline runs of the python fixture gym, one of them killed with SIGKILL mid-way.

interface Harness {
  server: ScriptedServer;
  hashes: string[];
  killAt?: { index: number; child?: ChildProcess };
}

function hashBody(body: unknown): string {
  return createHash('sha256').update(JSON.stringify((body as { messages: unknown }).messages)).digest('hex').slice(0, 16);
}

/** Two PRs (412, 413) into the python fixture gym, test and fix states run twice. */
function writeConfig(directory: string, serverUrl: string): Promise<string> {
  return writePipelineConfig(directory, serverUrl, { prCount: 2, repeats: { run: 1, test: 2, fix: 2 } });
}

function runRun(config: string, dataDirectory: string, harness?: Harness): Promise<CliResult> {
  return runCli(['run', '--config', config, '--progress', 'plain'], {
    env: { SWE_MIRROR_DATA_DIR: dataDirectory },
    ...(harness?.killAt ? { onSpawn: (child: ChildProcess) => (harness.killAt!.child = child) } : {}),
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
    const routeStep = buildStepRouter();
    harness.server = await startScriptedOpenAiServer({
      responses: (body) => {
        harness.hashes.push(hashBody(body));
        if (harness.killAt && harness.hashes.length - 1 === harness.killAt.index) {
          // Kill the pipeline while this request is in flight: its answer never arrives.
          harness.killAt.child?.kill('SIGKILL');
          return { text: 'never delivered', delayMs: 5_000 };
        }
        return PYTHON_ANSWERS[stepOf(body, routeStep)] ?? 'no answer';
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
    const reference = await runRun(await writeConfig(referenceDirectory, harness.server.url), dataDirectory);
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
    const killed = await runRun(config, dataDirectory, harness);
    expect(killed.signal).toBe('SIGKILL');
    const killedHashes = [...harness.hashes];
    expect(killedHashes).toHaveLength(killIndex + 1);
    harness.killAt = undefined;

    harness.hashes.length = 0;
    const resumed = await runRun(config, dataDirectory);
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

/**
 * SLOW: the offline demo (examples/demo) through the queue gives the local run's output. Both runs
 * happen here, from copies of the demo's config that differ only in their output folder: a local
 * `swe-mirror run`, then `swe-mirror run --queue` with two `swe-mirror worker` processes. Nothing is
 * hard-coded about the demo's tasks, so the test keeps holding when the demo gains gyms or PRs.
 * Set SWE_MIRROR_SKIP_SLOW=1 to skip it.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { hasCommand } from '../support/commands.js';
import { REPOSITORY_ROOT, runCli, type CliResult } from '../support/pipeline-cli.js';
import { readQueueStore, spawnWorker, type WorkerProcess } from './queue-harness.js';
import { REDIS_IS_UP, flushTestDatabase, testRedisUrl } from './redis-for-tests.js';

const DATABASE = 14;
const DEMO_DIRECTORY = path.join(REPOSITORY_ROOT, 'examples', 'demo');
const TOOL_OF_LANGUAGE: Record<string, string> = { python: 'python3', go: 'go', rust: 'cargo', javascript: 'node', typescript: 'node' };

interface DemoConfig {
  output: string;
  gyms: string[];
  sources: Array<{ path?: string }>;
  model: { replayFile?: string };
  dataDir?: string;
}

/** The demo config with every relative path made absolute and its output moved to `output`. */
function demoConfigAt(output: string): string {
  const config = parse(readFileSync(path.join(DEMO_DIRECTORY, 'swe-mirror.yaml'), 'utf8')) as DemoConfig;
  const absolute = (entry: string) => path.resolve(DEMO_DIRECTORY, entry);
  return stringify({
    ...config,
    output,
    gyms: config.gyms.map(absolute),
    sources: config.sources.map((source) => (source.path ? { ...source, path: absolute(source.path) } : source)),
    model: { ...config.model, ...(config.model.replayFile ? { replayFile: absolute(config.model.replayFile) } : {}) },
  });
}

function demoTools(): string[] {
  const config = parse(readFileSync(path.join(DEMO_DIRECTORY, 'swe-mirror.yaml'), 'utf8')) as DemoConfig;
  return config.gyms.map((gym) => {
    const language = (parse(readFileSync(path.resolve(DEMO_DIRECTORY, gym), 'utf8')) as { language: string }).language;
    return TOOL_OF_LANGUAGE[language] ?? language;
  });
}

const isSkipped = process.env.SWE_MIRROR_SKIP_SLOW === '1' || !demoTools().every((tool) => hasCommand(tool));

/** The SWE-bench export, one entry per task, in a form two runs can be compared by (no timestamps). */
function readExport(output: string) {
  const lines = readFileSync(path.join(output, 'tasks.jsonl'), 'utf8').trim().split('\n').filter(Boolean);
  return lines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .map((task) => ({
      instance_id: task.instance_id,
      // base_commit is a commit made at export (its date is the export's), so only the gym commit under it is compared.
      gym_commit: task.gym_commit,
      patch: task.patch,
      test_patch: task.test_patch,
      mirror_patch: task.mirror_patch,
      problem_statement: task.problem_statement,
      FAIL_TO_PASS: [...(task.FAIL_TO_PASS as string[])].sort(),
      PASS_TO_PASS: [...(task.PASS_TO_PASS as string[])].sort(),
    }))
    .sort((a, b) => String(a.instance_id).localeCompare(String(b.instance_id)));
}

describe.skipIf(!REDIS_IS_UP || isSkipped)('the demo through the queue (slow)', { timeout: 1_800_000 }, () => {
  const queueUrl = testRedisUrl(DATABASE);
  let workers: WorkerProcess[] = [];
  let local: CliResult;
  let queued: CliResult;
  let localOutput: string;
  let queueOutput: string;

  beforeAll(async () => {
    await flushTestDatabase(DATABASE);
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-demo-queue-'));
    // One data folder for all: the gyms are prepared once (the Go install dominates), as on a machine
    // that has run the demo before. The workers take the prepared gyms from it, keyed by spec hash.
    const dataDirectory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-demo-queue-data-'));
    localOutput = path.join(directory, 'local');
    queueOutput = path.join(directory, 'queued');
    await writeFile(path.join(directory, 'local.yaml'), demoConfigAt(localOutput));
    await writeFile(path.join(directory, 'queued.yaml'), demoConfigAt(queueOutput));
    const env = { SWE_MIRROR_DATA_DIR: dataDirectory };
    local = await runCli(['run', '--config', path.join(directory, 'local.yaml'), '--progress', 'plain'], { env });
    workers = [0, 1].map(() => spawnWorker(queueUrl, dataDirectory));
    queued = await runCli(['run', '--config', path.join(directory, 'queued.yaml'), '--queue', queueUrl, '--progress', 'plain'], { env });
  }, 1_800_000);

  afterAll(() => {
    for (const worker of workers) worker.child.kill('SIGTERM');
  });

  it('exports the same tasks (ids, patches, statements, FAIL_TO_PASS, PASS_TO_PASS) as the local run', () => {
    expect(local.code, local.output).toBe(0);
    expect(queued.code, `${queued.output}\n--- workers ---\n${workers.map((worker) => worker.output()).join('\n---\n')}`).toBe(0);
    const expected = readExport(localOutput);
    expect(expected.length).toBeGreaterThan(0);
    expect(readExport(queueOutput)).toEqual(expected);
  });

  it('leaves the same funnel in the store: stages, one attempt per candidate, the same model-call rows', () => {
    const fromLocal = readQueueStore(path.join(localOutput, 'state.sqlite'));
    const fromQueue = readQueueStore(path.join(queueOutput, 'state.sqlite'));
    expect(fromQueue.stages).toEqual(fromLocal.stages);
    expect(fromQueue.attemptsPerCandidate).toEqual(fromLocal.attemptsPerCandidate);
    expect(fromQueue.modelCallRows).toBe(fromLocal.modelCallRows);
    expect(fromQueue.tasks.map((task) => [task.instanceId, task.duplicateOf])).toEqual(fromLocal.tasks.map((task) => [task.instanceId, task.duplicateOf]));
  });

  it('had every mirror result made by one of the two workers', () => {
    const names = workers.map((worker) => `:${worker.child.pid})`);
    const results = queued.output.split('\n').filter((line) => /^\[mirror\] \S+: (ok|lost) \(/.test(line));
    expect(results.length).toBeGreaterThan(0);
    for (const line of results) expect(names.some((name) => line.includes(name)), line).toBe(true);
  });
});

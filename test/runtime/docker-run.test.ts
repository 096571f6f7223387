/**
 * `swe-mirror run` on a docker gym (the python fixture gym as a container image), with a scripted OpenAI-protocol
 * model: prepare, mirror (pre-checks and test runs in containers), verify, export. The export carries the gym image
 * (image_name in tasks.jsonl and the Multi-SWE-bench records, image in the exported spec); validate-export re-verifies
 * it on the docker runtime, the record's eval script runs inside a container of that image, and a rollout's shell
 * runs in containers of it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAiAgentModel } from '../../src/agent/openai-agent-model.js';
import { rollout } from '../../src/agent/rollout.js';
import { createDockerClient } from '../../src/runtime/docker/client.js';
import { startScriptedOpenAiServer, type ScriptedServer } from '../../src/testing/index.js';
import { startScriptedAgent } from '../agent/scripted-agent.js';
import { SOURCE_PR } from '../mirror/mirror-fixtures.js';
import { pythonResponder, runCli } from '../support/pipeline-cli.js';
import { spawnAsync } from '../support/spawn-async.js';
import { ensureTestBaseImage, isDockerTestable } from './docker-support.js';

const isTestable = await isDockerTestable();
const DOCKER_GYM = path.resolve(import.meta.dirname, 'docker-fixtures', 'python-pytest.yaml');

interface ExportedRecord {
  instance_id: string;
  image_name: string | null;
  eval_script: string;
  patch: string;
  mirror_patch: string;
  gym_commit: string;
  FAIL_TO_PASS: string[];
  sandbox: { isolated: boolean; missing: string[] } | null;
}

describe.skipIf(!isTestable)('swe-mirror run on a docker gym, its export and validate-export (real engine, scripted model)', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'swe-mirror-docker-run-'));
  const out = path.join(work, 'out');
  let server: ScriptedServer | undefined;

  beforeAll(async () => {
    await ensureTestBaseImage();
    server = await startScriptedOpenAiServer({ responses: pythonResponder() });
  });

  afterAll(async () => {
    await server?.close();
    const client = createDockerClient();
    for (const image of await client.listImages({ filters: { reference: ['swe-mirror/python-pytest-docker'] } })) await client.getImage(image.Id).remove({ force: true }).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  });

  it('mirrors, verifies and exports a task whose records name the gym image; validate-export, the eval script and a rollout work on it', async () => {
    const prs = path.join(work, 'prs.jsonl');
    const row = { org: 'example', repo: 'versionkit', number: 412, title: SOURCE_PR.title, body: 'Fixes #402.', fix_patch: SOURCE_PR.diff, test_patch: '', resolved_issues: [{ number: 402, title: SOURCE_PR.issues[0]?.title, body: SOURCE_PR.issues[0]?.body }] };
    writeFileSync(prs, `${JSON.stringify(row)}\n`);
    const config = path.join(work, 'swe-mirror.yaml');
    writeFileSync(
      config,
      [
        `output: ${out}`,
        `gyms: [${DOCKER_GYM}]`,
        `sources: [{ type: jsonl, path: ${prs} }]`,
        `model: { provider: openai, model: scripted, baseUrl: "${server?.url}", maxRetries: 0, timeoutSeconds: 600 }`,
        'verify: { repeats: { run: 1, test: 1, fix: 1 } }',
        'concurrency: { model: 1, tests: 1 }',
        '',
      ].join('\n'),
    );
    const run = await runCli(['run', '--config', config, '--progress', 'plain', '--data-dir', path.join(work, 'data')]);
    expect(run.code, run.output).toBe(0);

    const records = readFileSync(path.join(out, 'tasks.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as ExportedRecord);
    expect(records).toHaveLength(1);
    const [record] = records as [ExportedRecord];
    expect(record.image_name).toMatch(/^swe-mirror\/python-pytest-docker:[0-9a-f]{12}$/);
    expect(record.sandbox).toMatchObject({ isolated: true, missing: [] });
    const imageName = record.image_name as string;
    const multi = readdirSync(path.join(out, 'multi-swe-bench', 'python'));
    const multiRecord = JSON.parse(readFileSync(path.join(out, 'multi-swe-bench', 'python', multi[0] as string), 'utf8').trim().split('\n')[0] as string) as { image_name: string };
    expect(multiRecord.image_name).toBe(imageName);
    const exportedSpec = parse(readFileSync(path.join(out, 'gyms', 'python-pytest-docker.yaml'), 'utf8')) as { image: string; install: string[]; docker: Record<string, unknown> };
    expect(exportedSpec).toMatchObject({ image: imageName, install: [], docker: { workdir: '/testbed' } });
    expect(exportedSpec.docker.dockerfile).toBeUndefined();

    // validate-export re-prepares the gym from the export alone: on the exported gym image, in containers.
    const validated = await runCli(['validate-export', path.join(out, 'tasks.jsonl'), '--data-dir', path.join(work, 'validate-data'), '--baseline-runs', '1', '--json']);
    expect(validated.code, validated.output).toBe(0);
    expect(JSON.parse(validated.stdout)).toMatchObject({ total: 1, agreed: 1, errored: 0 });

    // The eval script in a container of the image: from the gym commit, the buggy state fails FAIL_TO_PASS ...
    const evaluate = async (prelude: string, fromGymCommit: boolean): Promise<string> => {
      const result = await spawnAsync('docker', ['run', '--rm', '-i', '--network', 'none', '-e', `SWE_MIRROR_FROM_GYM_COMMIT=${fromGymCommit ? 1 : 0}`, imageName, 'bash', '-c', `${prelude}\nexec bash -s`], { input: record.eval_script });
      expect(result.status, result.stderr).toBe(0);
      return result.stdout;
    };
    const buggy = await evaluate('true', true);
    for (const test of record.FAIL_TO_PASS) expect(buggy).toContain(`FAILED ${test}`);
    // ... and with the reference fix applied to the buggy state, they pass.
    const gold = await evaluate(`git checkout -q -f ${record.gym_commit} && git apply - <<'MIRROR'\n${record.mirror_patch}MIRROR\ngit apply - <<'FIX'\n${record.patch}FIX`, false);
    for (const test of record.FAIL_TO_PASS) expect(gold).toContain(`PASSED ${test}`);

    // A rollout whose shell commands run in containers of the gym image: the agent applies the fix with git in its
    // shell, the change comes back to the host workspace, and the evaluation resolves the task.
    const agent = await startScriptedAgent(() => [
      { calls: [['execute_bash', JSON.stringify({ command: `pwd; git log --all --format=%s | wc -l; git apply - <<'FIX'\n${record.patch}FIX` })]] },
      { calls: [['finish', JSON.stringify({ message: 'fixed' })]] },
    ]);
    try {
      const model = createOpenAiAgentModel({ model: 'scripted-agent', baseUrl: agent.url, maxRetries: 0 });
      const outputFile = path.join(work, 'trajectories.jsonl');
      const result = await rollout({ tasksFile: path.join(out, 'tasks.jsonl'), model, outputFile, trials: 1, dataDirectory: path.join(work, 'rollout-data'), baselineRuns: 1 });
      expect(result.warnings).toEqual([]);
      const [trajectory] = result.records;
      expect(trajectory).toMatchObject({ exit_reason: 'finished', success: true, evaluation: { patch_applied: true, resolved: true } });
      const firstObservation = trajectory?.messages.find((message) => message.role === 'tool');
      // The container's workdir, and the agent's one-commit history (not the gym's).
      expect(firstObservation?.content).toMatch(/^\/testbed\n1\n/);
      expect(trajectory?.patch).toBe(record.patch);
    } finally {
      await agent.close();
    }
  }, 600_000);
});

import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAiAgentModel } from '../../src/agent/openai-agent-model.js';
import { rollout } from '../../src/agent/rollout.js';
import { isSuccessful, readTrajectories } from '../../src/agent/trajectory.js';
import type { ExportResult } from '../../src/dataset/export.js';
import { exportCalcTasks } from '../validate/calc-export.js';
import { solveCalcAdd, startScriptedAgent, type ScriptedTurn } from './scripted-agent.js';

describe('rollout with a scripted model at the OpenAI protocol', () => {
  let exported: ExportResult;
  let exportDirectory: string;

  beforeAll(async () => {
    exported = await exportCalcTasks();
    exportDirectory = path.dirname(exported.sweBenchFile);
  });
  afterAll(async () => {
    await rm(exportDirectory, { recursive: true, force: true });
  });

  it('records every turn, malformed ones annotated, and keeps a trajectory that fixes the task', async () => {
    const server = await startScriptedAgent(solveCalcAdd);
    const outputFile = path.join(exportDirectory, 'runs', 'trajectories.jsonl');
    try {
      const model = createOpenAiAgentModel({ model: 'scripted-agent', baseUrl: server.url, maxRetries: 0 });
      const result = await rollout({ tasksFile: exported.sweBenchFile, model, outputFile, trials: 2, instanceIds: ['calc-add'], workers: 2 });
      expect(result.records).toHaveLength(2);

      const [record] = (await readTrajectories(outputFile)).filter((entry) => entry.trial === 0);
      expect(record).toMatchObject({ instance_id: 'calc-add', model: 'openai:scripted-agent', temperature: 1, exit_reason: 'finished', finish_message: 'add adds again.', rounds: 6, erroneous_turns: 2, success: true });
      expect(record?.evaluation).toMatchObject({ patch_applied: true, resolved: true, passes_reference_fixed_tests: true });
      expect(record?.patch).toContain('-    return a - b\n+    return a + b');
      expect(record?.tools.map((tool) => tool.function.name)).toEqual(['execute_bash', 'str_replace_editor', 'finish']);

      const assistants = record?.messages.filter((message) => message.role === 'assistant') ?? [];
      expect(assistants.map((message) => message.error?.kind ?? null)).toEqual(['unparsable-arguments', null, 'tool-error', null, null, null]);
      // The malformed call itself is kept verbatim, followed by the error the model saw.
      expect(assistants[0]?.tool_calls?.[0]?.function.arguments).toBe('{"command": "cat calc.py"');
      const observations = record?.messages.filter((message) => message.role === 'tool') ?? [];
      expect(observations.map((message) => message.is_error_observation ?? false)).toEqual([true, false, true, false, false, false]);
      expect(observations[2]?.content).toContain('did not appear verbatim');
      // The agent's repository has one commit (the buggy tree) and no hidden test file.
      expect(observations[1]?.content).toMatch(/return a - b\n[^]*\n1\n\[The command completed with exit code 0\.\]/);
      expect(observations[4]?.content).toContain('5\n[The command completed with exit code 0.]');

      // Every request offered exactly the three tools at temperature 1.0.
      for (const request of server.requests) {
        const body = request.body as { tools: Array<{ function: { name: string } }>; temperature: number };
        expect(body.tools.map((tool) => tool.function.name)).toEqual(['execute_bash', 'str_replace_editor', 'finish']);
        expect(body.temperature).toBe(1);
      }
      expect(isSuccessful(record!, 'paper')).toBe(true);
      expect(isSuccessful(record!, 'resolved')).toBe(true);

      // A rerun finds both episodes in the file and calls the model no more.
      const calls = server.requests.length;
      const again = await rollout({ tasksFile: exported.sweBenchFile, model, outputFile, trials: 2, instanceIds: ['calc-add'] });
      expect(again).toMatchObject({ records: [], skipped: 2 });
      expect(server.requests.length).toBe(calls);
    } finally {
      await server.close();
    }
  });

  it('gives the agent no network, no hidden tests and no history with the fix, and stops at the round limit', async () => {
    const probe = (repository: string): ScriptedTurn[] => [
      {
        calls: [
          ['execute_bash', JSON.stringify({ command: `python3 -c "import socket; socket.create_connection(('1.1.1.1', 80), timeout=3)" && echo NETWORK-REACHED` })],
          ['execute_bash', JSON.stringify({ command: 'ls tests; git log --all --format=%s; git show HEAD~1 --stat 2>&1 | head -1' })],
          ['str_replace_editor', JSON.stringify({ command: 'view', path: exported.sweBenchFile })],
          ['str_replace_editor', JSON.stringify({ command: 'create', path: `${repository}/../escape.txt`, file_text: 'x' })],
        ],
      },
      { content: 'Thinking without tools.' },
    ];
    const server = await startScriptedAgent(probe);
    const outputFile = path.join(exportDirectory, 'runs', 'probe.jsonl');
    try {
      const model = createOpenAiAgentModel({ model: 'scripted-agent', baseUrl: server.url, maxRetries: 0 });
      await rollout({ tasksFile: exported.sweBenchFile, model, outputFile, trials: 1, instanceIds: ['calc-mul'], maxRounds: 2 });
      const [record] = await readTrajectories(outputFile);
      expect(record).toMatchObject({ exit_reason: 'max-rounds', rounds: 2, success: false, evaluation: null, patch: '' });
      const observations = (record?.messages ?? []).filter((message) => message.role === 'tool').map((message) => message.content);
      expect(observations[0]).not.toContain('NETWORK-REACHED');
      expect(observations[0]).toMatch(/OSError|Network is unreachable|Errno/);
      expect(observations[1]).toContain('test_base.py');
      expect(observations[1]).not.toContain('test_mul.py');
      expect(observations[1]).toContain('buggy repository\nfatal:');
      expect(observations[2]).toContain('outside the repository');
      expect(observations[3]).toContain('outside the repository');
      expect(record?.messages.at(-1)).toMatchObject({ role: 'user', is_error_observation: true });
      expect(record?.messages.filter((message) => message.role === 'assistant').at(-1)?.error?.kind).toBe('no-tool-call');
      expect(await readFile(outputFile, 'utf8')).toMatch(/\n$/);
    } finally {
      await server.close();
    }
  });

  it('keeps the export (hidden tests and fixes) out of the reach of execute_bash', async () => {
    const server = await startScriptedAgent(() => [
      { calls: [['execute_bash', JSON.stringify({ command: `cat ${exported.sweBenchFile} | head -c 300; ls ${exportDirectory}` })]] },
      { calls: [['finish', JSON.stringify({ message: 'done' })]] },
    ]);
    const outputFile = path.join(exportDirectory, 'runs', 'host-files.jsonl');
    try {
      const model = createOpenAiAgentModel({ model: 'scripted-agent', baseUrl: server.url, maxRetries: 0 });
      await rollout({ tasksFile: exported.sweBenchFile, model, outputFile, trials: 1, instanceIds: ['calc-mul'] });
      const [record] = await readTrajectories(outputFile);
      const observation = record?.messages.find((message) => message.role === 'tool')?.content ?? '';
      expect(observation).not.toContain('test_patch');
      expect(observation).not.toContain('bundles');
    } finally {
      await server.close();
    }
  });
});

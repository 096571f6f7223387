/**
 * Rollout overhead per round, outside model latency and tool execution: one full-length episode (100 rounds,
 * the default limit) of the three-tool agent against a scripted model at the OpenAI protocol (src/testing),
 * on the calc fixture task in its sandbox. Each round views a file, runs a command, makes an edit (some
 * failing) or sends a malformed call; the last one finishes.
 *
 *   overhead per round = (episode wall time − time inside model.complete − time inside the runtime's runs) / rounds
 *
 * measured around the loop from outside (the model and the runtime wrapped), so it includes everything the loop
 * does itself: parsing calls, the editor's file work, clipping, recording messages. Target < 20 ms.
 * Also reported: the loop's own figure (Episode.overheadMs / rounds, what every trajectory records as
 * overhead_ms) and the scripted model's round trip (HTTP on localhost + the client's request building and
 * parsing as the conversation grows: an upper bound on the model layer's own cost per call).
 *
 *   node --import tsx bench/rollout-overhead.ts [--rounds 100] [--episodes 3]
 */
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { AgentModel } from '../src/agent/agent-model.js';
import { createOpenAiAgentModel } from '../src/agent/openai-agent-model.js';
import { runEpisode } from '../src/agent/run-episode.js';
import { createAgentWorkspace } from '../src/agent/workspace.js';
import type { Runtime } from '../src/core/process.js';
import { prepareEvaluationGyms } from '../src/evaluate/evaluation-gyms.js';
import { gymRunOptions } from '../src/gym/gym-environment.js';
import { createLocalRuntime } from '../src/runtime/local.js';
import { startScriptedOpenAiServer } from '../src/testing/index.js';
import { isExportedTask, readExportedTasks } from '../src/validate/read-exported-tasks.js';
import { exportCalcTasks } from '../test/validate/calc-export.js';
import { recordFigure } from './support/figures.js';

const TARGET_MS = 20;

function parseArguments(): { rounds: number; episodes: number } {
  const args = process.argv.slice(2);
  const value = (flag: string, fallback: number): number => {
    const number = Number(args.includes(flag) ? args[args.indexOf(flag) + 1] : fallback);
    return Number.isInteger(number) && number > 0 ? number : fallback;
  };
  return { rounds: value('--rounds', 100), episodes: value('--episodes', 3) };
}

/** The scripted turn for round `turn` (0-based) of `rounds`: a cycle of cheap tool calls, finish last. */
function scriptedCall(turn: number, rounds: number, repository: string): { name: string; arguments: string } {
  const file = `${repository}/calc.py`;
  if (turn >= rounds - 1) return { name: 'finish', arguments: JSON.stringify({ message: 'done' }) };
  switch (turn % 5) {
    case 0:
      return { name: 'str_replace_editor', arguments: JSON.stringify({ command: 'view', path: file }) };
    case 1:
      return { name: 'execute_bash', arguments: JSON.stringify({ command: `echo round ${turn}; cat calc.py | wc -l` }) };
    case 2:
      // An editor error: old_str is not in the file.
      return { name: 'str_replace_editor', arguments: JSON.stringify({ command: 'str_replace', path: file, old_str: `not there ${turn}`, new_str: 'x' }) };
    case 3:
      return { name: 'str_replace_editor', arguments: JSON.stringify({ command: 'str_replace', path: file, old_str: turn % 2 === 1 ? 'return a - b' : 'return a + b', new_str: turn % 2 === 1 ? 'return a + b' : 'return a - b' }) };
    default:
      // A malformed call: cut-off JSON.
      return { name: 'execute_bash', arguments: '{"command": "ls"' };
  }
}

interface RequestBody {
  messages: Array<{ role: string; content: string }>;
}

async function main(): Promise<void> {
  const { rounds, episodes } = parseArguments();
  const exported = await exportCalcTasks();
  const exportDirectory = path.dirname(exported.sweBenchFile);
  const dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'swe-mirror-bench-rollout-'));
  const server = await startScriptedOpenAiServer({
    responses: (body) => {
      const messages = (body as RequestBody).messages;
      const turn = messages.filter((message) => message.role === 'assistant').length;
      const repository = /<uploaded_files>\n(.*)\n<\/uploaded_files>/.exec(messages.find((message) => message.role === 'user')?.content ?? '')?.[1] ?? '';
      const call = scriptedCall(turn, rounds, repository);
      return {
        body: {
          id: `chatcmpl-${turn}`,
          object: 'chat.completion',
          model: 'scripted-agent',
          choices: [{ index: 0, message: { role: 'assistant', content: `Round ${turn}.`, tool_calls: [{ id: `call_${turn}`, type: 'function', function: call }] }, finish_reason: 'tool_calls' }],
          usage: { prompt_tokens: 1000 + turn * 50, completion_tokens: 20, total_tokens: 1020 + turn * 50 },
        },
      };
    },
  });
  try {
    const baseRuntime = createLocalRuntime();
    const missing = (await baseRuntime.describeProtections()).missing;
    const tasks = (await readExportedTasks(exported.sweBenchFile)).filter(isExportedTask);
    const task = tasks.find((entry) => entry.instanceId === 'calc-add');
    if (!task) throw new Error('no calc-add task in the fixture export');
    const gyms = await prepareEvaluationGyms({ exportDirectory, tasksByGym: new Map([[task.gym, [task]]]), dataDirectory, runtime: baseRuntime });
    const gym = gyms.get(task.gym)?.exported;
    if (!gym) throw new Error(`the calc gym was not prepared: ${gyms.get(task.gym)?.error?.message}`);
    process.stdout.write(
      `rollout overhead: ${episodes} episode(s) of ${rounds} rounds on calc-add; sandbox: ${missing.length === 0 ? 'bubblewrap, every protection' : `missing ${missing.join('; ')}`}; load average ${os.loadavg().map((load) => load.toFixed(2)).join(' ')}\n`,
    );

    const outside: number[] = [];
    const ownFigure: number[] = [];
    const roundTrips: number[] = [];
    const toolRuns: number[] = [];
    for (let episodeIndex = 0; episodeIndex < episodes; episodeIndex += 1) {
      let modelMs = 0;
      let runtimeMs = 0;
      let calls = 0;
      let runs = 0;
      const inner = createOpenAiAgentModel({ model: 'scripted-agent', baseUrl: server.url, maxRetries: 0 });
      const model: AgentModel = {
        id: inner.id,
        complete: async (request) => {
          const started = performance.now();
          try {
            return await inner.complete(request);
          } finally {
            modelMs += performance.now() - started;
            calls += 1;
          }
        },
      };
      const runtime: Runtime = Object.create(baseRuntime) as Runtime;
      runtime.run = async (argv, options) => {
        const started = performance.now();
        try {
          return await baseRuntime.run(argv, options);
        } finally {
          runtimeMs += performance.now() - started;
          runs += 1;
        }
      };
      const workdir = await createAgentWorkspace(gym, task, path.join(dataDirectory, 'episodes', `episode-${episodeIndex}`, 'repo'));
      const started = performance.now();
      const episode = await runEpisode({ model, problemStatement: 'add(2, 3) returns -1.', workdir, runtime, runOptions: gymRunOptions(gym.gym, workdir, runtime, 'workspace'), maxRounds: rounds });
      const wallMs = performance.now() - started;
      if (episode.exitReason !== 'finished' || episode.rounds !== rounds) throw new Error(`the episode ended ${episode.exitReason} after ${episode.rounds} rounds, not finished after ${rounds}`);
      const perRound = (wallMs - modelMs - runtimeMs) / episode.rounds;
      outside.push(perRound);
      ownFigure.push(episode.overheadMs / episode.rounds);
      roundTrips.push(modelMs / calls);
      toolRuns.push(runtimeMs / Math.max(1, runs));
      process.stdout.write(
        `  episode ${episodeIndex + 1}: ${episode.rounds} rounds (${episode.erroneousTurns} erroneous) in ${(wallMs / 1000).toFixed(2)} s; model ${(modelMs / 1000).toFixed(2)} s over ${calls} calls, runtime ${(runtimeMs / 1000).toFixed(2)} s over ${runs} runs; ` +
          `outside both ${perRound.toFixed(2)} ms/round (the loop's own overhead_ms: ${(episode.overheadMs / episode.rounds).toFixed(2)} ms/round)\n`,
      );
    }
    const median = (values: number[]): number => [...values].sort((left, right) => left - right)[Math.floor(values.length / 2)] as number;
    const overhead = median(outside);
    process.stdout.write(
      `median: ${overhead.toFixed(2)} ms per round outside model latency and tool execution (target < ${TARGET_MS} ms); loop's own overhead_ms ${median(ownFigure).toFixed(2)} ms/round; ` +
        `scripted model round trip ${median(roundTrips).toFixed(1)} ms/call; sandboxed command ${median(toolRuns).toFixed(0)} ms/run (load average now ${os.loadavg()[0]?.toFixed(2)}, ${os.cpus().length} cores)\n`,
    );
    recordFigure(import.meta.filename, { measure: `rollout overhead per round (${rounds}-round episode, outside model and tools)`, value: `${overhead.toFixed(2)} ms`, target: `< ${TARGET_MS} ms`, isMet: overhead < TARGET_MS });
    recordFigure(import.meta.filename, { measure: 'rollout: scripted model round trip per call (localhost, report)', value: `${median(roundTrips).toFixed(1)} ms` });
    if (overhead >= TARGET_MS) process.exitCode = 1;
  } finally {
    await server.close();
    rmSync(dataDirectory, { recursive: true, force: true });
    rmSync(exportDirectory, { recursive: true, force: true });
  }
}

await main();

import { isSweMirrorError } from '../core/errors.js';
import type { RunOptions, Runtime } from '../core/process.js';
import type { AgentMessage, AgentModel } from './agent-model.js';
import { BashTool } from './bash-tool.js';
import { EditorError, FileEditor } from './editor.js';
import { AGENT_SYSTEM_PROMPT, buildTaskMessage, CONTINUE_MESSAGE } from './prompts.js';
import { parseToolCall, type TurnError } from './tool-calls.js';
import { AGENT_TOOLS, BASH_TOOL, FINISH_TOOL } from './tools.js';

export type EpisodeExitReason = 'finished' | 'max-rounds' | 'budget-exhausted' | 'model-error';

export interface EpisodeInput {
  model: AgentModel;
  problemStatement: string;
  /** The repository the agent works in (its buggy state, no history with the fix). */
  workdir: string;
  runtime: Runtime;
  /** Sandbox options for execute_bash (the gym's: network off, limits, env; writes must reach `workdir`). Its cwd is where the agent sees the repository. */
  runOptions: RunOptions;
  /** Default 100, as OpenHands' SWE-bench runner. */
  maxRounds?: number;
  /** Default 1.0, the paper's. */
  temperature?: number;
  maxTokensPerReply?: number;
  /** Stop once input + output tokens exceed this. */
  maxTotalTokens?: number;
  maxCostUsd?: number;
  commandTimeoutSeconds?: number;
  outputLimit?: number;
  /** Called after every round with the messages so far (for progress or checkpoints). */
  onRound?: (round: number, messages: readonly AgentMessage[]) => void;
}

export interface Episode {
  messages: AgentMessage[];
  exitReason: EpisodeExitReason;
  finishMessage?: string;
  rounds: number;
  /** Assistant turns annotated as erroneous. */
  erroneousTurns: number;
  usage: { inputTokens: number; outputTokens: number };
  costUsd: number;
  /** Time spent outside model calls and tool runs (the loop's own overhead), in milliseconds. */
  overheadMs: number;
  modelError?: { code: string; message: string };
}

/**
 * Run one OpenHands-style episode: the model calls str_replace_editor, execute_bash and finish until it
 * finishes or a limit is hit. Every assistant turn is recorded; a malformed one carries an `error` and is
 * followed by the error observation the model saw.
 */
export async function runEpisode(input: EpisodeInput): Promise<Episode> {
  const maxRounds = input.maxRounds ?? 100;
  // The sandbox may show the repository at another path (runOptions.cwd); the agent is told that one.
  const repositoryPath = input.runOptions.cwd;
  const editor = new FileEditor(input.workdir, repositoryPath, input.outputLimit ?? 16_000);
  const bash = new BashTool({ runtime: input.runtime, runOptions: input.runOptions, root: repositoryPath, defaultTimeoutSeconds: input.commandTimeoutSeconds ?? 120, outputLimit: input.outputLimit ?? 16_000 });
  const messages: AgentMessage[] = [
    { role: 'system', content: AGENT_SYSTEM_PROMPT },
    { role: 'user', content: buildTaskMessage(repositoryPath, input.problemStatement) },
  ];
  const usage = { inputTokens: 0, outputTokens: 0 };
  let costUsd = 0;
  let erroneousTurns = 0;
  let overheadMs = 0;
  const episode = (exitReason: EpisodeExitReason, rounds: number, extra: Partial<Episode> = {}): Episode => ({
    messages,
    exitReason,
    rounds,
    erroneousTurns,
    usage,
    costUsd,
    overheadMs: Math.round(overheadMs * 100) / 100,
    ...extra,
  });

  for (let round = 1; round <= maxRounds; round += 1) {
    let reply;
    try {
      reply = await input.model.complete({
        messages,
        tools: AGENT_TOOLS,
        temperature: input.temperature ?? 1.0,
        ...(input.maxTokensPerReply === undefined ? {} : { maxTokens: input.maxTokensPerReply }),
      });
    } catch (error) {
      const modelError = isSweMirrorError(error) ? { code: error.code, message: error.message } : { code: 'AGENT_MODEL_CALL_FAILED', message: error instanceof Error ? error.message : String(error) };
      return episode('model-error', round - 1, { modelError });
    }
    const roundStartedAt = performance.now();
    let toolMs = 0;
    usage.inputTokens += reply.usage.inputTokens;
    usage.outputTokens += reply.usage.outputTokens;
    costUsd += reply.costUsd;
    const assistant: AgentMessage = { role: 'assistant', content: reply.content, ...(reply.toolCalls.length > 0 ? { tool_calls: reply.toolCalls } : {}) };
    messages.push(assistant);
    let turnError: TurnError | undefined;
    let finishMessage: string | undefined;
    if (reply.toolCalls.length === 0) {
      turnError = { kind: 'no-tool-call', message: 'The reply contained no tool call.' };
      messages.push({ role: 'user', content: CONTINUE_MESSAGE, is_error_observation: true });
    }
    for (const call of reply.toolCalls) {
      const parsed = parseToolCall(call.function.name, call.function.arguments);
      const answer = (content: string, isError: boolean): void => {
        messages.push({ role: 'tool', tool_call_id: call.id, name: call.function.name, content, ...(isError ? { is_error_observation: true } : {}) });
      };
      if ('error' in parsed) {
        turnError ??= parsed.error;
        answer(`ERROR:\n${parsed.error.message}`, true);
        continue;
      }
      const { action } = parsed;
      if (action.tool === FINISH_TOOL) {
        finishMessage = action.message;
        answer('Task marked as finished.', false);
        continue;
      }
      const toolStartedAt = performance.now();
      if (action.tool === BASH_TOOL) {
        const observation = await bash.run(action);
        if (observation.isRejected) turnError ??= { kind: 'tool-error', message: observation.text.replace(/^ERROR:\n/, '') };
        answer(observation.text, observation.isRejected);
      } else {
        try {
          answer(await editor.run(action), false);
        } catch (error) {
          if (!(error instanceof EditorError)) throw error;
          turnError ??= { kind: 'tool-error', message: error.message };
          answer(`ERROR:\n${error.message}`, true);
        }
      }
      toolMs += performance.now() - toolStartedAt;
    }
    if (turnError) {
      assistant.error = turnError;
      erroneousTurns += 1;
    }
    overheadMs += performance.now() - roundStartedAt - toolMs;
    input.onRound?.(round, messages);
    if (finishMessage !== undefined) return episode('finished', round, { finishMessage });
    const isOverTokens = input.maxTotalTokens !== undefined && usage.inputTokens + usage.outputTokens > input.maxTotalTokens;
    const isOverCost = input.maxCostUsd !== undefined && costUsd > input.maxCostUsd;
    if (isOverTokens || isOverCost) return episode('budget-exhausted', round);
  }
  return episode('max-rounds', maxRounds);
}

import type { AgentMessage, ToolCall } from '../agent/agent-model.js';
import type { TrajectoryRecord } from '../agent/trajectory.js';
import type { WeightedMessage } from './sft-strategies.js';
import { renderTextAssistant, renderTextObservation } from './text-mode.js';

/** The trainer formats sft-export writes. */
export const SFT_FORMATS = ['openai', 'axolotl', 'llama-factory', 'sharegpt-text', 'torchtune', 'trl'] as const;
export type SftFormat = (typeof SFT_FORMATS)[number];

type Row = Record<string, unknown>;

/** Arguments as a JSON object when they parse as one (templates render objects); verbatim text when malformed. */
function argumentsValue(call: ToolCall): unknown {
  try {
    const value: unknown = JSON.parse(call.function.arguments);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : call.function.arguments;
  } catch {
    return call.function.arguments;
  }
}

function nativeMessage(message: AgentMessage, options: { isToolNameKept: boolean; isArgumentsObject: boolean }): Row {
  const row: Row = { role: message.role, content: message.content };
  if (message.tool_calls && message.tool_calls.length > 0) {
    row.tool_calls = message.tool_calls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.function.name, arguments: options.isArgumentsObject ? argumentsValue(call) : call.function.arguments },
    }));
  }
  if (message.tool_call_id !== undefined) row.tool_call_id = message.tool_call_id;
  if (options.isToolNameKept && message.role === 'tool' && message.name !== undefined) row.name = message.name;
  return row;
}

/** The tools as text, for text-mode system prompts (OpenHands' non-function-calling converter adds them likewise). */
function textModeSystem(record: TrajectoryRecord, system: string): string {
  return `${system}\n\nYou have access to the following functions, called as <function=NAME><parameter=KEY>VALUE</parameter></function>:\n${record.tools.map((tool) => JSON.stringify(tool.function)).join('\n')}`;
}

/** Text mode with strict alternation: tool calls written into the assistant's text, observations as user messages (consecutive ones merged). */
function textModeMessages(record: TrajectoryRecord, weighted: readonly WeightedMessage[]): Array<{ role: 'system' | 'user' | 'assistant'; content: string; isTrained: boolean }> {
  const messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string; isTrained: boolean }> = [];
  for (const { message, isTrained } of weighted) {
    const role = message.role === 'tool' ? 'user' : message.role;
    const content =
      message.role === 'assistant' ? renderTextAssistant(message) : message.role === 'tool' ? renderTextObservation(message) : message.role === 'system' ? textModeSystem(record, message.content) : message.content;
    const last = messages.at(-1);
    if (last && last.role === 'user' && role === 'user') last.content += `\n\n${content}`;
    else messages.push({ role, content, isTrained });
  }
  return messages;
}

/** Render one trajectory, its loss already planned, in a trainer's format. */
export function renderSftRow(record: TrajectoryRecord, weighted: readonly WeightedMessage[], format: SftFormat): Row {
  const base = { instance_id: record.instance_id };
  switch (format) {
    case 'openai':
      // OpenAI fine-tuning: `weight` (0/1) on assistant messages only.
      return {
        messages: weighted.map(({ message, isTrained }) => ({ ...nativeMessage(message, { isToolNameKept: false, isArgumentsObject: false }), ...(message.role === 'assistant' ? { weight: isTrained ? 1 : 0 } : {}) })),
        tools: record.tools,
        parallel_tool_calls: false,
      };
    case 'axolotl':
      // axolotl chat_template with `message_field_training: training`.
      return { ...base, messages: weighted.map(({ message, isTrained }) => ({ ...nativeMessage(message, { isToolNameKept: true, isArgumentsObject: true }), training: isTrained })), tools: record.tools };
    case 'llama-factory':
      // LLaMA-Factory v1: content parts and a per-message loss_weight.
      return {
        ...base,
        messages: weighted.map(({ message, isTrained }) => ({
          role: message.role,
          content: [{ type: 'text', value: message.role === 'assistant' ? renderTextAssistant(message) : message.content }],
          loss_weight: isTrained ? 1.0 : 0.0,
        })),
        tools: JSON.stringify(record.tools.map((tool) => tool.function)),
      };
    case 'sharegpt-text':
      // LLaMA-Factory v0 (sharegpt with OpenAI tags) and the SWE-Lego fork: `turn_mask: true` means no loss.
      return { ...base, messages: textModeMessages(record, weighted).map(({ role, content, isTrained }) => ({ role, content, ...(role === 'assistant' ? { turn_mask: !isTrained } : {}) })) };
    case 'torchtune':
      // torchtune Message.from_dict: role, content, masked.
      return {
        ...base,
        messages: weighted.map(({ message, isTrained }) => ({ role: message.role, content: message.role === 'assistant' ? renderTextAssistant(message) : message.content, masked: !isTrained })),
      };
    case 'trl':
      // TRL conversational data (messages + tools); the per-message weights are expanded into assistant_masks by the pre-tokenisation step of docs/sft.md.
      return {
        ...base,
        messages: weighted.map(({ message }) => nativeMessage(message, { isToolNameKept: true, isArgumentsObject: true })),
        tools: record.tools,
        message_weights: weighted.map(({ message, isTrained }) => (message.role === 'assistant' && isTrained ? 1 : 0)),
      };
  }
}

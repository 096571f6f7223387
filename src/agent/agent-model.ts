import type { FunctionTool } from './tools.js';
import type { TurnError } from './tool-calls.js';

/** A tool call in an assistant message, in the OpenAI chat format. */
export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** One message of a trajectory, in the OpenAI chat format, with swe-mirror's annotations. */
export interface AgentMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  tool_calls?: ToolCall[];
  /** On tool messages: the call answered. */
  tool_call_id?: string;
  /** On tool messages: the tool's name. */
  name?: string;
  /** On assistant messages: why the turn is erroneous (unparsable call, unknown tool, schema violation, tool error). */
  error?: TurnError;
  /** On observations: this message is the error reply to an erroneous assistant turn. */
  is_error_observation?: boolean;
}

export interface AgentModelRequest {
  messages: AgentMessage[];
  tools: readonly FunctionTool[];
  temperature?: number;
  maxTokens?: number;
}

export interface AgentModelReply {
  content: string;
  toolCalls: ToolCall[];
  usage: { inputTokens: number; outputTokens: number };
  costUsd: number;
  model: string;
}

/** A chat model that can call tools: the agent loop's only view of the model. */
export interface AgentModel {
  /** e.g. `openai:gpt-4o-mini`. */
  readonly id: string;
  complete(request: AgentModelRequest): Promise<AgentModelReply>;
}

/** The messages as the model sees them: swe-mirror's annotations stripped. */
export function toWireMessages(messages: readonly AgentMessage[]): Array<Record<string, unknown>> {
  return messages.map((message) => {
    const wire: Record<string, unknown> = { role: message.role, content: message.content };
    if (message.tool_calls && message.tool_calls.length > 0) wire.tool_calls = message.tool_calls;
    if (message.tool_call_id !== undefined) wire.tool_call_id = message.tool_call_id;
    if (message.role === 'tool' && message.name !== undefined) wire.name = message.name;
    return wire;
  });
}

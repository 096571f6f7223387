import type { AgentMessage, ToolCall } from '../agent/agent-model.js';

/** One tool call as OpenHands' non-function-calling format writes it: `<function=NAME><parameter=KEY>VALUE</parameter></function>`. */
export function renderTextToolCall(call: ToolCall): string {
  let parameters: Record<string, unknown> | undefined;
  try {
    const value: unknown = JSON.parse(call.function.arguments);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) parameters = value as Record<string, unknown>;
  } catch {
    parameters = undefined;
  }
  // Malformed arguments stay verbatim: the erroneous output is what the model wrote.
  if (!parameters) return `<function=${call.function.name}>\n${call.function.arguments}\n</function>`;
  const body = Object.entries(parameters)
    .map(([key, value]) => `<parameter=${key}>${typeof value === 'string' ? value : JSON.stringify(value)}</parameter>`)
    .join('\n');
  return `<function=${call.function.name}>\n${body}\n</function>`;
}

/** The assistant message as text: its content, then each call in OpenHands' text format. */
export function renderTextAssistant(message: AgentMessage): string {
  const calls = (message.tool_calls ?? []).map(renderTextToolCall);
  return [message.content, ...calls].filter((part) => part !== '').join('\n');
}

/** A tool result as OpenHands' text mode returns it to the model. */
export function renderTextObservation(message: AgentMessage): string {
  return `EXECUTION RESULT of [${message.name ?? 'tool'}]:\n${message.content}`;
}

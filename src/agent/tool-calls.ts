import { BASH_TOOL, EDITOR_COMMANDS, EDITOR_TOOL, FINISH_TOOL, type EditorCommand } from './tools.js';

/** Why an assistant turn is erroneous (DESIGN.md section 7; the anchors' criteria 1 to 4). */
export type TurnErrorKind = 'no-tool-call' | 'unparsable-arguments' | 'unknown-tool' | 'schema-violation' | 'tool-error';

export interface TurnError {
  kind: TurnErrorKind;
  message: string;
}

export interface EditorAction {
  tool: typeof EDITOR_TOOL;
  command: EditorCommand;
  path: string;
  fileText?: string;
  oldStr?: string;
  newStr?: string;
  insertLine?: number;
  viewRange?: number[];
}

export interface BashAction {
  tool: typeof BASH_TOOL;
  command: string;
  isInput: boolean;
  timeoutSeconds?: number;
}

export interface FinishAction {
  tool: typeof FINISH_TOOL;
  message: string;
}

export type AgentAction = EditorAction | BashAction | FinishAction;

const ALLOWED: Record<string, readonly string[]> = {
  [EDITOR_TOOL]: ['command', 'path', 'file_text', 'old_str', 'new_str', 'insert_line', 'view_range'],
  [BASH_TOOL]: ['command', 'is_input', 'timeout'],
  [FINISH_TOOL]: ['message'],
};

const REQUIRED_FOR: Partial<Record<EditorCommand, string[]>> = {
  create: ['file_text'],
  str_replace: ['old_str'],
  insert: ['insert_line', 'new_str'],
};

function violation(message: string): { error: TurnError } {
  return { error: { kind: 'schema-violation', message } };
}

/**
 * Validate one tool call against the tool schemas, as OpenHands' function_calling.py does:
 * arguments must be a JSON object, the tool must exist, parameters must be known, of the right type and present.
 */
export function parseToolCall(name: string, argumentsText: string): { action: AgentAction } | { error: TurnError } {
  const allowed = ALLOWED[name];
  if (!allowed) return { error: { kind: 'unknown-tool', message: `Tool ${JSON.stringify(name)} is not registered (available: ${Object.keys(ALLOWED).join(', ')}).` } };
  let value: unknown;
  try {
    value = argumentsText.trim() === '' ? {} : JSON.parse(argumentsText);
  } catch (cause) {
    return { error: { kind: 'unparsable-arguments', message: `Failed to parse the arguments of ${name} as JSON: ${(cause as Error).message}.` } };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: { kind: 'unparsable-arguments', message: `The arguments of ${name} must be a JSON object.` } };
  const args = value as Record<string, unknown>;
  const unexpected = Object.keys(args).filter((key) => !allowed.includes(key));
  if (unexpected.length > 0) return violation(`Unexpected argument(s) for ${name}: ${unexpected.join(', ')}.`);
  const isString = (key: string) => args[key] === undefined || typeof args[key] === 'string';
  for (const key of Object.keys(args)) if (!['insert_line', 'view_range', 'timeout'].includes(key) && !isString(key)) return violation(`Parameter \`${key}\` of ${name} must be a string.`);

  if (name === FINISH_TOOL) {
    if (typeof args.message !== 'string') return violation('Missing required parameter `message` for finish.');
    return { action: { tool: FINISH_TOOL, message: args.message } };
  }
  if (name === BASH_TOOL) {
    if (typeof args.command !== 'string') return violation('Missing required parameter `command` for execute_bash.');
    if (args.is_input !== undefined && args.is_input !== 'true' && args.is_input !== 'false') return violation('Parameter `is_input` must be "true" or "false".');
    if (args.timeout !== undefined && (typeof args.timeout !== 'number' || !Number.isFinite(args.timeout) || args.timeout <= 0)) return violation('Parameter `timeout` must be a positive number of seconds.');
    return { action: { tool: BASH_TOOL, command: args.command, isInput: args.is_input === 'true', ...(typeof args.timeout === 'number' ? { timeoutSeconds: args.timeout } : {}) } };
  }
  if (typeof args.command !== 'string') return violation('Missing required parameter `command` for str_replace_editor.');
  if (!(EDITOR_COMMANDS as readonly string[]).includes(args.command)) return violation(`Invalid \`command\` ${JSON.stringify(args.command)}: allowed are ${EDITOR_COMMANDS.join(', ')}.`);
  if (typeof args.path !== 'string') return violation('Missing required parameter `path` for str_replace_editor.');
  const command = args.command as EditorCommand;
  for (const key of REQUIRED_FOR[command] ?? []) if (args[key] === undefined) return violation(`Parameter \`${key}\` is required for command: ${command}.`);
  if (args.insert_line !== undefined && !Number.isInteger(args.insert_line)) return violation('Parameter `insert_line` must be an integer.');
  if (args.view_range !== undefined && !(Array.isArray(args.view_range) && args.view_range.every((item) => Number.isInteger(item)))) return violation('Parameter `view_range` must be a list of integers.');
  return {
    action: {
      tool: EDITOR_TOOL,
      command,
      path: args.path,
      ...(typeof args.file_text === 'string' ? { fileText: args.file_text } : {}),
      ...(typeof args.old_str === 'string' ? { oldStr: args.old_str } : {}),
      ...(typeof args.new_str === 'string' ? { newStr: args.new_str } : {}),
      ...(typeof args.insert_line === 'number' ? { insertLine: args.insert_line } : {}),
      ...(Array.isArray(args.view_range) ? { viewRange: args.view_range as number[] } : {}),
    },
  };
}

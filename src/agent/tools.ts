/** The three OpenHands CodeAct tools, in the OpenAI `tools` format (names and parameters as in OpenHands, finish with `message`). */
export interface FunctionTool {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

export const EDITOR_TOOL = 'str_replace_editor';
export const BASH_TOOL = 'execute_bash';
export const FINISH_TOOL = 'finish';
export type ToolName = typeof EDITOR_TOOL | typeof BASH_TOOL | typeof FINISH_TOOL;

export const EDITOR_COMMANDS = ['view', 'create', 'str_replace', 'insert', 'undo_edit'] as const;
export type EditorCommand = (typeof EDITOR_COMMANDS)[number];

export const AGENT_TOOLS: readonly FunctionTool[] = [
  {
    type: 'function',
    function: {
      name: BASH_TOOL,
      description: [
        'Execute a bash command in the terminal, in the repository directory.',
        '* The working directory persists between calls; environment variables and background processes do not.',
        '* Long output is clipped. A command that runs past its timeout is killed.',
        '* The network is off.',
      ].join('\n'),
      parameters: {
        type: 'object',
        properties: {
          command: { type: 'string', description: 'The bash command to execute.' },
          is_input: { type: 'string', enum: ['true', 'false'], description: 'If "true", the command is input for a running process. Default "false".' },
          timeout: { type: 'number', description: 'Optional hard timeout in seconds.' },
        },
        required: ['command'],
      },
    },
  },
  {
    type: 'function',
    function: {
      name: EDITOR_TOOL,
      description: [
        'Custom editing tool for viewing, creating and editing files.',
        '* `view` on a file shows `cat -n` output; on a directory it lists files up to 2 levels deep.',
        '* `create` cannot be used if the path already exists as a file.',
        '* Long output is truncated and marked with `<response clipped>`.',
        '* `undo_edit` reverts the last edit made to the file at `path`.',
        '* `old_str` must match exactly one place in the file, whitespace included.',
      ].join('\n'),
      parameters: {
        type: 'object',
        properties: {
          command: { type: 'string', enum: [...EDITOR_COMMANDS], description: 'The command to run.' },
          path: { type: 'string', description: 'Absolute path to a file or directory inside the repository.' },
          file_text: { type: 'string', description: 'Required for `create`: the content of the file.' },
          old_str: { type: 'string', description: 'Required for `str_replace`: the exact text to replace.' },
          new_str: { type: 'string', description: 'For `str_replace` the new text (empty deletes); required for `insert`.' },
          insert_line: { type: 'integer', description: 'Required for `insert`: `new_str` goes after this line.' },
          view_range: { type: 'array', items: { type: 'integer' }, description: 'For `view` on a file: [start, end], 1-indexed; end -1 means to the end.' },
        },
        required: ['command', 'path'],
      },
    },
  },
  {
    type: 'function',
    function: {
      name: FINISH_TOOL,
      description: 'Signals that the task is complete; call it once the issue is resolved.',
      parameters: {
        type: 'object',
        properties: { message: { type: 'string', description: 'Final message to the user.' } },
        required: ['message'],
      },
    },
  },
];

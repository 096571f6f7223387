import { startScriptedOpenAiServer, type ScriptedHttpResponse, type ScriptedServer } from '../../src/testing/index.js';

/** One scripted assistant turn: tool calls (name, raw arguments text) and optional text. */
export interface ScriptedTurn {
  calls?: Array<[name: string, argumentsText: string]>;
  content?: string;
}

interface RequestBody {
  messages: Array<{ role: string; content: string }>;
}

/** The repository path the agent was told about, read from the first user message. */
export function repositoryOf(body: unknown): string {
  const first = (body as RequestBody).messages.find((message) => message.role === 'user')?.content ?? '';
  return /<uploaded_files>\n(.*)\n<\/uploaded_files>/.exec(first)?.[1] ?? '';
}

/** The chat-completions response of one scripted turn (`turn`: the assistant turns the conversation already has). */
export function scriptedReply(turn: number, scripted: ScriptedTurn): ScriptedHttpResponse {
  const toolCalls = (scripted.calls ?? []).map(([name, argumentsText], index) => ({ id: `call_${turn}_${index}`, type: 'function', function: { name, arguments: argumentsText } }));
  return {
    body: {
      id: `chatcmpl-${turn}`,
      object: 'chat.completion',
      model: 'scripted-agent',
      choices: [{ index: 0, message: { role: 'assistant', content: scripted.content ?? null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) }, finish_reason: toolCalls.length > 0 ? 'tool_calls' : 'stop' }],
      usage: { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 },
    },
  };
}

/**
 * A local OpenAI chat-completions server that plays an agent: the reply depends on how many assistant turns the
 * conversation already has, so every trial (and concurrent trials) follow the same script.
 */
export function startScriptedAgent(script: (repository: string) => ScriptedTurn[]): Promise<ScriptedServer> {
  return startScriptedOpenAiServer({
    responses: (body) => {
      const turn = (body as RequestBody).messages.filter((message) => message.role === 'assistant').length;
      return scriptedReply(turn, script(repositoryOf(body))[turn] ?? { content: 'I am out of script.' });
    },
  });
}

/** A calc-add solver: one unparsable call and one editor error on the way, then the fix, a test run and finish. */
export function solveCalcAdd(repository: string): ScriptedTurn[] {
  const file = `${repository}/calc.py`;
  return [
    { content: 'Let me look at the code.', calls: [['execute_bash', '{"command": "cat calc.py"']] },
    { calls: [['execute_bash', JSON.stringify({ command: 'cat calc.py; git log --all --oneline | wc -l' })]] },
    { calls: [['str_replace_editor', JSON.stringify({ command: 'str_replace', path: file, old_str: 'return a - b  # nowhere', new_str: 'return a + b' })]] },
    { content: 'The subtraction is the bug.', calls: [['str_replace_editor', JSON.stringify({ command: 'str_replace', path: file, old_str: 'return a - b', new_str: 'return a + b' })]] },
    { calls: [['execute_bash', JSON.stringify({ command: 'python3 -c "from calc import add; print(add(2, 3))"' })]] },
    { calls: [['finish', JSON.stringify({ message: 'add adds again.' })]] },
  ];
}

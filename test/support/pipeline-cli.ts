import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPromptTemplate, MIRROR_PROMPTS } from '../../src/prompts/templates.js';
import type { ScriptedHttpResponse } from '../../src/testing/index.js';
import { DISTILLED_PATTERN, PYTHON, SOURCE_PR } from '../mirror/mirror-fixtures.js';

/** The repository root: the CLI runs from here (`node --import tsx src/cli/main.ts`). */
export const REPOSITORY_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PYTHON_GYM_SPEC = path.join(REPOSITORY_ROOT, 'test/fixtures/gyms/python-pytest/gym.yaml');

/** The first words of each prompt's user message (up to its first placeholder) → the step. */
export function buildStepRouter(): (userMessage: string) => string {
  const prefixes: Array<[string, string]> = [];
  for (const name of MIRROR_PROMPTS) prefixes.push([loadPromptTemplate(name).user.split('{{')[0]!.trim(), name]);
  prefixes.push([loadPromptTemplate('filter-mirrorability').user.split('{{')[0]!.trim(), 'filter-mirrorability']);
  return (userMessage) => {
    const match = prefixes.find(([prefix]) => userMessage.trim().startsWith(prefix));
    if (!match) throw new Error(`no step matches the request: ${userMessage.slice(0, 80)}`);
    return match[1];
  };
}

/** Answers that mirror SOURCE_PR into the python fixture gym and verify. */
export const PYTHON_ANSWERS: Record<string, string> = {
  'filter-mirrorability': '{"mirrorable": true, "reason": "The gym compares pre-release identifiers too."}',
  distill: DISTILLED_PATTERN,
  'test-localize': PYTHON.testLocalize,
  'test-generate': PYTHON.testGenerate,
  'mirror-localize': PYTHON.mirrorLocalize,
  'mirror-generate': PYTHON.mirrorGenerate,
  statement: PYTHON.statement,
};

/** The step of a scripted-server request body. */
export function stepOf(body: unknown, route: (userMessage: string) => string): string {
  const messages = (body as { messages: Array<{ role: string; content: string }> }).messages;
  return route(messages.find((message) => message.role === 'user')?.content ?? '');
}

/** Answer every request from PYTHON_ANSWERS, or from `override` where it returns something. */
export function pythonResponder(override?: (step: string, body: unknown) => ScriptedHttpResponse | string | undefined) {
  const route = buildStepRouter();
  return (body: unknown): ScriptedHttpResponse | string => {
    const step = stepOf(body, route);
    return override?.(step, body) ?? PYTHON_ANSWERS[step] ?? 'no answer';
  };
}

function multiSweBenchRow(number: number, title: string): string {
  return JSON.stringify({
    org: 'example',
    repo: 'versionkit',
    number,
    title,
    body: `Fixes #${number - 10}.`,
    fix_patch: SOURCE_PR.diff,
    test_patch: '',
    resolved_issues: [{ number: number - 10, title: SOURCE_PR.issues[0]!.title, body: SOURCE_PR.issues[0]!.body }],
  });
}

/** Write prs.jsonl (`prCount` rows) and swe-mirror.yaml for the python fixture gym and a scripted OpenAI server; returns the config path. */
export async function writePipelineConfig(
  directory: string,
  serverUrl: string,
  options: { prCount?: number; outputDirectory?: string; repeats?: { run: number; test: number; fix: number }; extraLines?: string[] } = {},
): Promise<string> {
  const prs = path.join(directory, 'prs.jsonl');
  const titles = [SOURCE_PR.title, 'Sort release candidates numerically'];
  const rows = Array.from({ length: options.prCount ?? 1 }, (_, index) => multiSweBenchRow(412 + index, titles[index % titles.length]!));
  await writeFile(prs, `${rows.join('\n')}\n`);
  const config = path.join(directory, 'swe-mirror.yaml');
  await writeFile(
    config,
    [
      `output: ${options.outputDirectory ?? path.join(directory, 'out')}`,
      `gyms: [${PYTHON_GYM_SPEC}]`,
      `sources: [{ type: jsonl, path: ${prs} }]`,
      `model: { provider: openai, model: scripted, baseUrl: "${serverUrl}", maxRetries: 0, timeoutSeconds: 600 }`,
      `verify: { repeats: { run: ${options.repeats?.run ?? 1}, test: ${options.repeats?.test ?? 1}, fix: ${options.repeats?.fix ?? 1} } }`,
      'concurrency: { model: 1, tests: 1 }',
      ...(options.extraLines ?? []),
    ].join('\n'),
  );
  return config;
}

export interface CliResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  output: string;
}

/**
 * Run the real CLI (`swe-mirror <args>`) as a child process; `onSpawn` gets the child (to kill it);
 * `wrapper` is a command line the CLI's argv is appended to (e.g. `unshare ...`).
 */
export function runCli(args: string[], options: { env?: Record<string, string>; onSpawn?: (child: ChildProcess) => void; wrapper?: string[] } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const argv = [...(options.wrapper ?? []), process.execPath, '--import', 'tsx', 'src/cli/main.ts', ...args];
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, OPENAI_API_KEY: 'test-key', ...options.env },
    });
    options.onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      output += chunk.toString();
    });
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, output }));
  });
}

/** True when the text holds a JavaScript stack frame (what bad input must never print). */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+:\d+:\d+\)?$/m.test(text);
}

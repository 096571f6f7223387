import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { loadGymSpec } from '../config/load-gym-spec.js';
import { SweMirrorError } from '../core/errors.js';
import { RECORD_SCHEMA_VERSION, type SourcePR } from '../core/records.js';
import { resolveDataDirectory } from '../gym/data-dir.js';
import { prepareGym } from '../gym/prepare.js';
import { createModel } from '../llm/create-model.js';
import { resolveModelConfig } from '../llm/model-config.js';
import { mirrorCandidate } from '../mirror/mirror-candidate.js';
import type { MirrorEvent, MirrorOutcome } from '../mirror/types.js';
import { decideSandbox } from '../pipeline/sandbox-policy.js';
import { ensureWritableDirectory } from '../pipeline/writable-directory.js';
import { createLocalRuntime } from '../runtime/local.js';

export interface MirrorCommandFlags {
  gym: string;
  source: string;
  model?: string;
  provider?: string;
  baseUrl?: string;
  apiKeyEnv?: string;
  out?: string;
  dataDir?: string;
  retries?: string;
  samples?: string;
  temperature?: string;
  repeats?: string;
  strict?: boolean;
  cache?: boolean;
  record?: string;
  replay?: string;
  unsafeNoSandbox?: boolean;
}

function line(text: string): void {
  process.stdout.write(`${text}\n`);
}

function parseCount(name: string, value: string | undefined, minimum: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < minimum) {
    throw new SweMirrorError({ code: 'CLI_INVALID_OPTION', kind: 'user', message: `--${name} must be an integer of at least ${minimum}, got "${value}".`, hint: `For example: --${name} ${Math.max(minimum, 2)}` });
  }
  return number;
}

/** Read pr.json: a SourcePR, or a Candidate (whose `source` is one). Checks the fields the loop needs. */
export async function readSourceFile(file: string): Promise<SourcePR> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch (cause) {
    throw new SweMirrorError({ code: 'SOURCE_FILE_UNREADABLE', kind: 'user', message: `Cannot read ${file} as JSON.`, hint: 'Pass a JSON file holding one source PR (or one candidate from `swe-mirror collect`).', cause });
  }
  const record = (value !== null && typeof value === 'object' && 'source' in value ? (value as { source: unknown }).source : value) as Record<string, unknown> | null;
  const problems: string[] = [];
  if (record === null || typeof record !== 'object') problems.push('it is not an object');
  else {
    for (const field of ['repo', 'title', 'diff'] as const) if (typeof record[field] !== 'string') problems.push(`"${field}" must be a string`);
    if (typeof record.number !== 'number') problems.push('"number" must be a number');
    if (record.issues !== undefined && !Array.isArray(record.issues)) problems.push('"issues" must be a list');
  }
  if (problems.length > 0 || record === null) {
    throw new SweMirrorError({
      code: 'SOURCE_FILE_INVALID',
      kind: 'user',
      message: `${file} is not a source PR: ${problems.join('; ')}.`,
      hint: 'A source PR has repo, number, title, body, issues [{number, title, body}], diff, url (see src/core/records.ts).',
    });
  }
  return {
    schemaVersion: RECORD_SCHEMA_VERSION,
    body: '',
    issues: [],
    mergedAt: null,
    url: '',
    origin: 'jsonl',
    ...(record as Partial<SourcePR>),
  } as SourcePR;
}

/** One line per loop event, for people. */
export function describeMirrorEvent(event: MirrorEvent): string | undefined {
  const tryLabel = (index: number): string => (index === 0 ? '' : ` (retry ${index})`);
  switch (event.type) {
    case 'step-start':
      return undefined;
    case 'model-call':
      return event.error ? `  ${event.step}: model call failed: ${event.error}` : undefined;
    case 'step-done':
      return `✔ ${event.step}${tryLabel(event.try)}: ${event.summary}`;
    case 'step-retry':
      return `↻ ${event.step}${tryLabel(event.try)} failed, retrying with feedback:\n${indent(firstLines(event.feedback, 6))}`;
    case 'step-failed':
      return `✘ ${event.step}: ${firstLines(event.reason, 6)}`;
    case 'finished':
      return undefined;
  }
}

function firstLines(text: string, count: number): string {
  const lines = text.split('\n');
  return lines.length > count ? `${lines.slice(0, count).join('\n')}\n...` : text;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((part) => `    ${part}`)
    .join('\n');
}

/** Write the task directory: patches, statement, attempt log, verdict, outcome. */
export async function writeTaskDirectory(directory: string, outcome: MirrorOutcome): Promise<string[]> {
  await mkdir(directory, { recursive: true });
  const written: Array<[string, string]> = [];
  if (outcome.patches) {
    written.push(['mirror.patch', outcome.patches.mirror], ['test.patch', outcome.patches.test], ['fix.patch', outcome.patches.fix]);
  }
  if (outcome.statement !== undefined) written.push(['problem_statement.md', `${outcome.statement.trim()}\n`]);
  written.push(['attempts.json', `${JSON.stringify(outcome.attempt, null, 2)}\n`]);
  if (outcome.verdict) written.push(['verdict.json', `${JSON.stringify(outcome.verdict, null, 2)}\n`]);
  written.push(['outcome.json', `${JSON.stringify({ status: outcome.status, failure: outcome.failure ?? null }, null, 2)}\n`]);
  for (const [name, content] of written) await writeFile(path.join(directory, name), content, 'utf8');
  return written.map(([name]) => name);
}

/** `swe-mirror mirror`: mirror one source PR into one gym and write the task directory. */
export async function runMirrorCommand(flags: MirrorCommandFlags): Promise<MirrorOutcome> {
  const loaded = await loadGymSpec(flags.gym);
  const source = await readSourceFile(flags.source);
  // Refuse before any model call when LLM-written code would run unsandboxed (DESIGN section 3, rule 5).
  const sandbox = await decideSandbox({ command: 'mirror', unsafeNoSandbox: flags.unsafeNoSandbox ?? false, isReplayedModel: flags.replay !== undefined });
  if (sandbox.warning) process.stderr.write(`${sandbox.warning}\n`);
  const dataDirectory = resolveDataDirectory(flags.dataDir);
  const config = resolveModelConfig({
    flags: {
      ...(flags.provider ? { provider: flags.provider } : {}),
      ...(flags.model ? { model: flags.model } : {}),
      ...(flags.baseUrl ? { baseUrl: flags.baseUrl } : {}),
      ...(flags.apiKeyEnv ? { apiKeyEnv: flags.apiKeyEnv } : {}),
      ...(flags.replay ? { replayFile: flags.replay } : {}),
    },
  });
  const model = createModel(config, {
    ...(flags.cache === false ? {} : { cacheDirectory: path.join(dataDirectory, 'llm-cache') }),
    ...(flags.record ? { recordPath: flags.record } : {}),
    ...(flags.replay ? { replayPath: flags.replay } : {}),
    onRetry: ({ retry, delayMs, failure }) => line(`  model: ${describeFailure(failure)}; retry ${retry} in ${(delayMs / 1000).toFixed(1)} s`),
  });
  const runtime = createLocalRuntime({ sandbox: sandbox.runtimeSandbox });
  line(`gym ${loaded.spec.name}: preparing (reused when already prepared)`);
  const gym = await prepareGym(loaded, { dataDirectory, runtime });
  const outDirectory = ensureWritableDirectory(flags.out ?? `swe-mirror-task-${gym.spec.name}-${source.repo.replace(/[^\w.-]+/g, '__')}-${source.number}`, 'The task directory');
  line(`mirroring ${source.repo}#${source.number} into ${gym.spec.name} with ${model.id}`);
  const retriesPerStep = parseCount('retries', flags.retries, 0);
  const samples = parseCount('samples', flags.samples, 1);
  const repeats = parseCount('repeats', flags.repeats, 1);
  const temperature = flags.temperature === undefined ? undefined : Number(flags.temperature);
  const outcome = await mirrorCandidate({
    gym,
    source,
    model,
    runtime,
    budget: {
      ...(retriesPerStep === undefined ? {} : { retriesPerStep }),
      ...(samples === undefined ? {} : { samples }),
      ...(temperature === undefined || Number.isNaN(temperature) ? {} : { temperature }),
    },
    logDirectory: path.join(outDirectory, 'logs'),
    verifyOptions: {
      ...(repeats === undefined ? {} : { repeats: { run: 1, test: repeats, fix: repeats } }),
      ...(flags.strict ? { strict: true } : {}),
      unsafeNoSandbox: sandbox.record.unsafeNoSandbox,
    },
    onEvent: (event) => {
      const text = describeMirrorEvent(event);
      if (text !== undefined) line(text);
    },
  });
  const files = await writeTaskDirectory(outDirectory, outcome);
  const totals = outcome.attempt.totals;
  line(
    `${outcome.status.toUpperCase()}${outcome.failure ? ` at ${outcome.failure.step}` : ''}: ${totals.calls} model call(s) (${totals.cachedCalls} from cache), ${totals.inputTokens + totals.outputTokens} tokens, $${totals.costUsd.toFixed(4)}`,
  );
  if (outcome.verdict) line(`FAIL_TO_PASS: ${outcome.verdict.FAIL_TO_PASS.length}, PASS_TO_PASS: ${outcome.verdict.PASS_TO_PASS.length}`);
  line(`wrote ${files.join(', ')} to ${outDirectory}`);
  return outcome;
}

function describeFailure(failure: unknown): string {
  if (failure !== null && typeof failure === 'object') {
    const record = failure as { kind?: unknown; status?: unknown; message?: unknown };
    const label = record.status === undefined ? String(record.kind) : `${String(record.kind)} ${String(record.status)}`;
    return record.message === undefined ? label : `${label} (${String(record.message)})`;
  }
  return String(failure);
}

/** Register `swe-mirror mirror`. */
export function register(program: Command): void {
  program
    .command('mirror')
    .description('Mirror one source PR into a gym: tests, bug, statement, verification; writes a task directory.')
    .requiredOption('--gym <spec>', 'gym spec (YAML)')
    .requiredOption('--source <pr.json>', 'source PR (or candidate) as JSON')
    .option('--model <name>', 'model name; `anthropic:` / `openai:` prefixes pick the provider (env SWE_MIRROR_MODEL)')
    .option('--provider <provider>', 'openai (any OpenAI-compatible endpoint) or anthropic (env SWE_MIRROR_PROVIDER)')
    .option('--base-url <url>', 'endpoint base URL, e.g. http://localhost:8000/v1 (env SWE_MIRROR_BASE_URL)')
    .option('--api-key-env <name>', 'environment variable holding the API key (default OPENAI_API_KEY / ANTHROPIC_API_KEY)')
    .option('--out <dir>', 'task directory to write (default ./swe-mirror-task-<gym>-<repo>-<number>)')
    .option('--data-dir <dir>', 'where prepared gyms and the model cache live (env SWE_MIRROR_DATA_DIR)')
    .option('--retries <n>', 'retries per step, each with the failure as feedback (default 2)')
    .option('--samples <n>', 'samples per model call (default 1)')
    .option('--temperature <t>', 'sampling temperature (default: the model config)')
    .option('--repeats <n>', 'full verification runs of the test and fix states (default 1, then targeted reruns of the deciding tests)')
    .option('--strict', 'reject new tests that pass even with the bug, as the paper does')
    .option('--no-cache', 'do not read or write the model response cache')
    .option('--record <file>', 'append every model answer to this JSONL recording')
    .option('--replay <file>', 'answer every model call from this recording (offline)')
    .option('--unsafe-no-sandbox', 'run even without a sandbox (bubblewrap): LLM-written code then runs unconfined; recorded in the verdict')
    .action(async (flags: MirrorCommandFlags) => {
      const outcome = await runMirrorCommand(flags);
      if (outcome.status !== 'verified') process.exitCode = 1;
    });
}

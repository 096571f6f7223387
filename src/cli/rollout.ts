import type { Command } from 'commander';
import { createOpenAiAgentModel } from '../agent/openai-agent-model.js';
import { rollout, type RemoteRollout } from '../agent/rollout.js';
import { SweMirrorError } from '../core/errors.js';
import { decideSandbox } from '../pipeline/sandbox-policy.js';
import { parseQueueLocation } from '../queue/connection.js';
import { parsePositiveNumber } from '../queue/queue-flags.js';
import { createQueueRollout } from '../queue/queue-rollout.js';
import { createLocalRuntime } from '../runtime/local.js';

interface RolloutCommandOptions {
  tasks: string;
  model: string;
  baseUrl?: string;
  apiKeyEnv: string;
  trials: number;
  temperature: number;
  maxRounds: number;
  maxTokens?: number;
  maxCost?: number;
  commandTimeout: number;
  workers: number;
  output: string;
  dataDir?: string;
  instanceIds?: string[];
  unsafeNoSandbox?: boolean;
  queue?: string;
  maxInFlight?: string;
  modelRate?: string;
}

/** With --queue the workers run the episodes: refuse the flags that only mean something where they run, and the queue flags without --queue. */
function checkQueueFlags(options: RolloutCommandOptions, command: Command): void {
  const refuse = (message: string, hint: string): never => {
    throw new SweMirrorError({ code: 'CLI_INVALID_OPTION', kind: 'user', message, hint });
  };
  if (!options.queue) {
    for (const [value, flag] of [[options.maxInFlight, '--max-in-flight'], [options.modelRate, '--model-rate']] as const) {
      if (value !== undefined) refuse(`${flag} works only with --queue.`, `Add --queue redis://host:port to run the episodes on \`swe-mirror worker\`s, or drop ${flag}.`);
    }
    return;
  }
  if (command.getOptionValueSource('workers') === 'cli') refuse('--workers cannot be combined with --queue: the episodes run on the workers.', 'Bound the episodes in flight with --max-in-flight, and each worker with its own `swe-mirror worker --concurrency`.');
  if (options.unsafeNoSandbox) refuse('--unsafe-no-sandbox cannot be combined with --queue: each worker decides its own sandbox.', 'Pass --unsafe-no-sandbox to `swe-mirror worker` on the machines that may run without one.');
  if (options.dataDir) refuse('--data-dir cannot be combined with --queue: the gyms are prepared on the workers.', 'Give each worker its own `swe-mirror worker --data-dir`.');
}

function parseNumber(flag: string, isInteger: boolean) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isFinite(number) || number < 0 || (isInteger && !Number.isInteger(number))) {
      throw new SweMirrorError({ code: 'CLI_INVALID_OPTION', kind: 'user', message: `${flag} must be a ${isInteger ? 'non-negative integer' : 'non-negative number'}, got "${value}".`, hint: `For example: ${flag} 3` });
    }
    return number;
  };
}

/** `swe-mirror rollout --tasks tasks.jsonl --model openai:<model> --trials 3`. */
export function register(program: Command): void {
  program
    .command('rollout')
    .description('Run the three-tool agent (str_replace_editor, execute_bash, finish) N times per task in its sandbox; append one trajectory per episode, with its patch evaluated on the hidden tests. Resumable.')
    .requiredOption('--tasks <tasks.jsonl>', 'the tasks.jsonl written by `swe-mirror export`')
    .requiredOption('--model <provider:model>', 'a tool-calling model on an OpenAI-compatible endpoint, e.g. openai:gpt-4o-mini')
    .option('--base-url <url>', 'OpenAI-compatible endpoint, e.g. http://localhost:8000/v1 (env SWE_MIRROR_BASE_URL)')
    .option('--api-key-env <name>', 'environment variable holding the API key', 'OPENAI_API_KEY')
    .option('--trials <count>', 'episodes per task', parseNumber('--trials', true), 3)
    .option('--temperature <number>', 'sampling temperature', parseNumber('--temperature', false), 1.0)
    .option('--max-rounds <count>', 'model calls per episode', parseNumber('--max-rounds', true), 100)
    .option('--max-tokens <count>', 'token budget per episode (input + output)', parseNumber('--max-tokens', true))
    .option('--max-cost <usd>', 'cost budget per episode', parseNumber('--max-cost', false))
    .option('--command-timeout <seconds>', 'default execute_bash timeout', parseNumber('--command-timeout', false), 120)
    .option('--workers <count>', 'episodes at once', parseNumber('--workers', true), 1)
    .option('--output <file>', 'trajectories JSONL (appended; episodes already in it are skipped)', 'trajectories.jsonl')
    .option('--data-dir <directory>', 'where gyms and agent repositories live')
    .option('--instance-ids <ids...>', 'only these tasks')
    .option('--unsafe-no-sandbox', "run even without a sandbox (bubblewrap): the model's commands then run unconfined, with your network and files; recorded in every trajectory")
    .option('--queue <url>', 'run the episodes on `swe-mirror worker`s through a Redis queue (redis://host:port); this command appends the trajectories (docs/distributed.md)')
    .option('--max-in-flight <n>', 'with --queue: episodes enqueued and not yet written back, at most (default 64)')
    .option('--model-rate <per-minute>', 'with --queue: model requests a minute across all workers')
    .action(async (options: RolloutCommandOptions, command: Command) => {
      checkQueueFlags(options, command);
      const [provider, ...rest] = options.model.split(':');
      const name = rest.join(':');
      if (provider !== 'openai' || name === '') {
        throw new SweMirrorError({ code: 'ROLLOUT_MODEL_UNSUPPORTED', kind: 'user', message: `--model ${options.model}: rollouts need native tool calling on an OpenAI-compatible endpoint.`, hint: 'Use --model openai:<model>, with --base-url for vLLM, SGLang or LiteLLM (which also fronts Anthropic models).' });
      }
      const baseUrl = options.baseUrl ?? process.env.SWE_MIRROR_BASE_URL;
      // With --queue nothing runs here: each worker decides its own sandbox and reads the key from its own environment.
      const remote: (RemoteRollout & { close(): Promise<void> }) | undefined = options.queue
        ? await createQueueRollout({
            location: parseQueueLocation(options.queue),
            ...(options.maxInFlight ? { maxInFlight: parsePositiveNumber(options.maxInFlight, '--max-in-flight') } : {}),
            model: { name, ...(baseUrl ? { baseUrl } : {}), apiKeyEnv: options.apiKeyEnv, ...(options.modelRate ? { rateLimit: { perMinute: parsePositiveNumber(options.modelRate, '--model-rate', false) } } : {}) },
            onNotice: (message) => process.stderr.write(`${message}\n`),
          })
        : undefined;
      // The model's commands run in the task's repository: refuse before any model call when no sandbox can hold them.
      const sandbox = remote ? undefined : await decideSandbox({ command: 'rollout', unsafeNoSandbox: options.unsafeNoSandbox ?? false, isReplayedModel: false });
      if (sandbox?.warning) process.stderr.write(`${sandbox.warning}\n`);
      const model = createOpenAiAgentModel({ model: name, ...(baseUrl ? { baseUrl } : {}), ...(process.env[options.apiKeyEnv] ? { apiKey: process.env[options.apiKeyEnv] as string } : {}) });
      const result = await rollout({
        ...(remote ? { remote } : { runtime: createLocalRuntime({ sandbox: sandbox?.runtimeSandbox ?? 'auto' }) }),
        unsafeNoSandbox: sandbox?.record.unsafeNoSandbox ?? false,
        tasksFile: options.tasks,
        model,
        outputFile: options.output,
        trials: options.trials,
        temperature: options.temperature,
        maxRounds: options.maxRounds,
        commandTimeoutSeconds: options.commandTimeout,
        workers: options.workers,
        ...(options.maxTokens === undefined ? {} : { maxTotalTokens: options.maxTokens }),
        ...(options.maxCost === undefined ? {} : { maxCostUsd: options.maxCost }),
        ...(options.dataDir ? { dataDirectory: options.dataDir } : {}),
        ...(options.instanceIds ? { instanceIds: options.instanceIds } : {}),
        onEvent: (event) => {
          if (event.type === 'episode-done') {
            const record = event.record;
            process.stdout.write(`${record.success ? 'SUCCESS' : 'FAIL   '} ${record.instance_id} trial ${record.trial}: ${record.exit_reason} after ${record.rounds} rounds, ${record.erroneous_turns} erroneous, resolved ${record.evaluation?.resolved ?? false}  [${event.done}/${event.total}]\n`);
          } else if (event.type === 'warning') process.stderr.write(`warning: ${event.message}\n`);
          else if (event.type === 'gym-failed') process.stderr.write(`${event.error.message}\n`);
        },
      }).finally(() => remote?.close());
      const successes = result.records.filter((record) => record.success).length;
      const failed = result.failed > 0 ? `; ${result.failed} not run (see \`swe-mirror status --queue ${options.queue}\`; rerun to retry them)` : '';
      process.stdout.write(`${result.records.length} episode(s) run, ${result.skipped} already in ${options.output}; ${successes} successful${failed}\n`);
      // An unsuccessful episode is a result; only episodes left unrun (dead letters) make it exit 1, as evaluate --queue does.
      if (result.failed > 0) process.exitCode = 1;
    });
}

import type { Command } from 'commander';
import type { CreateModelOptions } from './create-model.js';
import type { ModelFlags } from './model-config.js';

/** The parsed values of the options `addModelOptions` declares. */
export interface ModelCommandOptions {
  model?: string;
  provider?: string;
  baseUrl?: string;
  apiKeyEnv?: string;
  temperature?: string;
  cache?: boolean;
  record?: string;
  replay?: string;
}

/** Declare the shared model options (--model, --provider, --base-url, --api-key-env, --temperature, --no-cache, --record, --replay) on a command. */
export function addModelOptions(command: Command): Command {
  return command
    .option('--model <name>', 'model name; `anthropic:` or `openai:` picks the provider (env SWE_MIRROR_MODEL)')
    .option('--provider <provider>', 'openai | anthropic | replay (env SWE_MIRROR_PROVIDER)')
    .option('--base-url <url>', 'OpenAI-compatible endpoint, e.g. http://localhost:8000/v1 (env SWE_MIRROR_BASE_URL)')
    .option('--api-key-env <name>', 'environment variable holding the API key (env SWE_MIRROR_API_KEY_ENV)')
    .option('--temperature <number>', 'default sampling temperature')
    .option('--no-cache', 'do not read or write the response cache')
    .option('--record <file>', 'append every model answer to this JSONL recording')
    .option('--replay <file>', 'answer only from this recording, offline');
}

/** Turn parsed command options into model flags for `resolveModelConfig`. */
export function modelFlagsFromOptions(options: ModelCommandOptions): ModelFlags {
  const flags: ModelFlags = {};
  if (options.model !== undefined) flags.model = options.model;
  if (options.provider !== undefined) flags.provider = options.provider;
  if (options.baseUrl !== undefined) flags.baseUrl = options.baseUrl;
  if (options.apiKeyEnv !== undefined) flags.apiKeyEnv = options.apiKeyEnv;
  if (options.temperature !== undefined) flags.temperature = Number(options.temperature);
  if (options.replay !== undefined) flags.replayFile = options.replay;
  return flags;
}

/** The cache, record and replay parts of `createModel`'s options, from parsed command options. */
export function modelRunOptionsFromOptions(options: ModelCommandOptions, cacheDirectory: string): Pick<CreateModelOptions, 'cacheDirectory' | 'recordPath' | 'replayPath'> {
  return {
    ...(options.cache === false ? {} : { cacheDirectory }),
    ...(options.record !== undefined ? { recordPath: options.record } : {}),
    ...(options.replay !== undefined ? { replayPath: options.replay } : {}),
  };
}

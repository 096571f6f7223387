import { z } from 'zod';
import { SweMirrorError } from '../core/errors.js';
import { formatIssues } from '../config/validate.js';

export const MODEL_PROVIDERS = ['openai', 'anthropic', 'scripted', 'replay'] as const;
export type ModelProvider = (typeof MODEL_PROVIDERS)[number];

/** Environment variables read by `resolveModelConfig`; flags win over them, they win over the config file. */
export const MODEL_ENVIRONMENT_VARIABLES = {
  provider: 'SWE_MIRROR_PROVIDER',
  model: 'SWE_MIRROR_MODEL',
  baseUrl: 'SWE_MIRROR_BASE_URL',
  apiKeyEnv: 'SWE_MIRROR_API_KEY_ENV',
} as const;

/** Where each provider's key is read from unless `apiKeyEnv` names another variable. */
export const DEFAULT_API_KEY_ENV: Readonly<Record<'openai' | 'anthropic', string>> = {
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
};

export const DEFAULT_MODEL = 'gpt-4o-mini';

const priceSchema = z
  .object({
    inputPerMillion: z.number().min(0).describe('USD per million input (prompt) tokens.'),
    outputPerMillion: z.number().min(0).describe('USD per million output (completion) tokens.'),
    checkedOn: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')
      .optional()
      .describe('The day you read these prices (YYYY-MM-DD); shown by `run --estimate`.'),
  })
  .strict();

/** The `model:` section of a config file, also the shape of a resolved model config. */
export const modelConfigSchema = z
  .object({
    provider: z.enum(MODEL_PROVIDERS).default('openai').describe('openai (any OpenAI-compatible endpoint), anthropic, scripted (tests) or replay (answers from a recording).'),
    model: z.string().min(1).default(DEFAULT_MODEL).describe('Model name as the endpoint knows it; `anthropic:` or `openai:` prefixes pick the provider.'),
    baseUrl: z.url().optional().describe('Endpoint base URL, e.g. http://localhost:8000/v1 for vLLM or http://localhost:11434/v1 for Ollama.'),
    apiKeyEnv: z.string().min(1).optional().describe('Name of the environment variable holding the API key (default OPENAI_API_KEY / ANTHROPIC_API_KEY).'),
    timeoutSeconds: z.number().positive().default(120).describe('Per-request timeout; a timed-out request is retried.'),
    maxRetries: z.number().int().min(0).default(5).describe('Retries after 429, 5xx, timeouts and connection errors.'),
    retryInitialDelaySeconds: z.number().min(0).default(1).describe('First backoff delay; doubles per retry (with jitter), capped at 60 s.'),
    temperature: z.number().min(0).max(2).nullable().default(0.7).describe('Default sampling temperature when a step sets none; null sends none (for models that reject it).'),
    maxTokens: z.number().int().positive().default(4096).describe('Default cap on output tokens per sample.'),
    prices: priceSchema.optional().describe('Overrides the built-in price table for this model.'),
    replayFile: z.string().min(1).optional().describe('Recording (JSONL) that the replay provider answers from.'),
  })
  .strict();

export type ModelConfig = z.infer<typeof modelConfigSchema>;
export type ModelConfigInput = z.input<typeof modelConfigSchema>;

/** Values given on the command line; each wins over its env var and the config file. */
export interface ModelFlags {
  provider?: string;
  model?: string;
  baseUrl?: string;
  apiKeyEnv?: string;
  temperature?: number;
  maxTokens?: number;
  timeoutSeconds?: number;
  maxRetries?: number;
  replayFile?: string;
}

export interface ResolveModelConfigOptions {
  flags?: ModelFlags;
  /** Defaults to process.env. */
  environment?: Readonly<Record<string, string | undefined>>;
  /** The config file's `model:` section, unvalidated. */
  file?: unknown;
  /** Name of the config file, for error messages. */
  fileSource?: string;
}

const PROVIDER_PREFIX = /^(openai|anthropic):(.+)$/;

function definedEntries(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined && value !== ''));
}

/** Merge flag > env var > config file > default, then validate, reporting every problem at once. */
export function resolveModelConfig(options: ResolveModelConfigOptions = {}): ModelConfig {
  const environment = options.environment ?? process.env;
  const source = options.fileSource ?? 'config file';
  if (options.file !== undefined && options.file !== null && (typeof options.file !== 'object' || Array.isArray(options.file))) {
    throw new SweMirrorError({
      code: 'MODEL_CONFIG_INVALID',
      kind: 'user',
      message: `The model section of ${source} must be a mapping (provider, model, baseUrl, ...).`,
      hint: 'See docs/models.md for the model config fields.',
    });
  }
  const fromFile = (options.file ?? {}) as Record<string, unknown>;
  const fromEnvironment = definedEntries({
    provider: environment[MODEL_ENVIRONMENT_VARIABLES.provider],
    model: environment[MODEL_ENVIRONMENT_VARIABLES.model],
    baseUrl: environment[MODEL_ENVIRONMENT_VARIABLES.baseUrl],
    apiKeyEnv: environment[MODEL_ENVIRONMENT_VARIABLES.apiKeyEnv],
  });
  const fromFlags = definedEntries({ ...options.flags });
  const merged: Record<string, unknown> = { ...fromFile, ...fromEnvironment, ...fromFlags };

  // `--model anthropic:claude-sonnet-4-5` picks the provider; a bare `claude-*` name implies it.
  if (typeof merged.model === 'string') {
    const prefixed = PROVIDER_PREFIX.exec(merged.model);
    if (prefixed?.[1] && prefixed[2]) {
      merged.provider = prefixed[1];
      merged.model = prefixed[2];
    } else if (merged.provider === undefined && merged.model.startsWith('claude')) {
      merged.provider = 'anthropic';
    }
  }

  const result = modelConfigSchema.safeParse(merged);
  if (!result.success) {
    const problems = formatIssues(result.error.issues);
    throw new SweMirrorError({
      code: 'MODEL_CONFIG_INVALID',
      kind: 'user',
      message: `Invalid model configuration (from flags, ${Object.values(MODEL_ENVIRONMENT_VARIABLES).join('/')} and ${source}):\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
      hint: 'See docs/models.md for the model config fields and their allowed values.',
      details: { problems },
    });
  }
  return result.data;
}

/** Name of the environment variable that holds this config's API key. */
export function apiKeyEnvironmentVariable(config: ModelConfig): string {
  if (config.apiKeyEnv) return config.apiKeyEnv;
  return config.provider === 'anthropic' ? DEFAULT_API_KEY_ENV.anthropic : DEFAULT_API_KEY_ENV.openai;
}

/**
 * Read the API key. A custom base URL (vLLM, Ollama, llama.cpp) may need none, so a missing
 * key is only an error for the providers' own endpoints.
 */
export function resolveApiKey(config: ModelConfig, environment: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  const variable = apiKeyEnvironmentVariable(config);
  const key = environment[variable];
  if (key) return key;
  if (config.baseUrl) return undefined;
  throw new SweMirrorError({
    code: 'MODEL_API_KEY_MISSING',
    kind: 'user',
    message: `No API key for ${config.provider}:${config.model}: the environment variable ${variable} is not set.`,
    hint: `Export ${variable}=<key>, or name another variable with --api-key-env <NAME>, ${MODEL_ENVIRONMENT_VARIABLES.apiKeyEnv}, or model.apiKeyEnv in the config file; for a local OpenAI-compatible server set --base-url instead.`,
    details: { variable, provider: config.provider, model: config.model },
  });
}

import { SweMirrorError } from '../core/errors.js';
import type { ChatModel, ChatRequest } from '../core/model.js';
import { createScriptedModel, type ScriptedModelScript } from '../testing/scripted-model.js';
import { createAnthropicModel } from './anthropic-model.js';
import { withResponseCache } from './cache.js';
import { withCallObserver, type ModelCallRecord } from './call-observer.js';
import { apiKeyEnvironmentVariable, resolveApiKey, type ModelConfig } from './model-config.js';
import { createOpenAiModel } from './openai-model.js';
import { createReplayModel, withRecording } from './replay.js';
import type { TransportFailure } from './retry.js';

export interface CreateModelOptions {
  /** On-disk response cache; leave out for `--no-cache`. */
  cacheDirectory?: string;
  /** Append every answer to this JSONL recording. */
  recordPath?: string;
  /** Answer only from this recording (no network); wins over the provider. */
  replayPath?: string;
  /** Called once per call, cached or not, failed or not: the store's hook. */
  onCall?: (record: ModelCallRecord) => void;
  /** Called before each transport retry, e.g. for a progress line. */
  onRetry?: (event: { retry: number; delayMs: number; failure: TransportFailure }) => void;
  /** Answers for the `scripted` provider. */
  script?: ScriptedModelScript;
  /** Where API keys are read from; defaults to process.env. */
  environment?: Readonly<Record<string, string | undefined>>;
}

/** Fill the config's default temperature and maxTokens so every layer (cache key included) sees the effective request. */
function withRequestDefaults(model: ChatModel, config: ModelConfig): ChatModel {
  return {
    id: model.id,
    complete(request: ChatRequest) {
      return model.complete({
        ...request,
        ...(request.temperature === undefined && config.temperature !== null ? { temperature: config.temperature } : {}),
        ...(request.maxTokens === undefined ? { maxTokens: config.maxTokens } : {}),
      });
    },
  };
}

function createProviderAdapter(config: ModelConfig, options: CreateModelOptions): ChatModel {
  const onRetry = options.onRetry ? { onRetry: options.onRetry } : {};
  switch (config.provider) {
    case 'openai':
    case 'anthropic': {
      const apiKey = resolveApiKey(config, options.environment);
      const apiKeyEnv = apiKeyEnvironmentVariable(config);
      return config.provider === 'openai'
        ? createOpenAiModel({ config, apiKey, apiKeyEnv, ...onRetry })
        : createAnthropicModel({ config, apiKey, apiKeyEnv, ...onRetry });
    }
    case 'scripted':
      if (!options.script) {
        throw new SweMirrorError({
          code: 'MODEL_SCRIPT_MISSING',
          kind: 'user',
          message: 'The scripted model provider needs a script of answers, which only code can give.',
          hint: 'Use provider openai or anthropic, or replay with --replay <recording.jsonl>; scripted is for tests.',
        });
      }
      return createScriptedModel(options.script);
    case 'replay':
      throw new SweMirrorError({ code: 'INTERNAL_REPLAY', kind: 'internal', message: 'replay is handled by createModel' });
  }
}

/**
 * Build the chat model a run uses: the provider's adapter (with retries, cost and latency),
 * then the response cache, the recorder and the call observer around it; or a replay model
 * that answers from a recording alone.
 */
export function createModel(config: ModelConfig, options: CreateModelOptions = {}): ChatModel {
  const replayFile = options.replayPath ?? (config.provider === 'replay' ? config.replayFile : undefined);
  let model: ChatModel;
  if (replayFile !== undefined) {
    model = createReplayModel({ file: replayFile });
  } else if (config.provider === 'replay') {
    throw new SweMirrorError({
      code: 'MODEL_CONFIG_INVALID',
      kind: 'user',
      message: 'The replay provider needs a recording to answer from.',
      hint: 'Pass --replay <recording.jsonl> or set model.replayFile in the config file.',
    });
  } else {
    model = createProviderAdapter(config, options);
    if (options.cacheDirectory !== undefined) model = withResponseCache(model, { directory: options.cacheDirectory });
    model = withRequestDefaults(model, config);
    if (options.recordPath !== undefined) model = withRecording(model, { file: options.recordPath });
  }
  if (options.onCall) model = withCallObserver(model, options.onCall);
  return model;
}

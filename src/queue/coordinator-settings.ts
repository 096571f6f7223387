import { hasLimits } from '../budget/budget-config.js';
import { SweMirrorError } from '../core/errors.js';
import type { LoadedRunConfig } from '../config/run-config.js';
import type { ChatModel } from '../core/model.js';
import { resolveModelConfig, type ModelFlags } from '../llm/model-config.js';
import type { UnsafeNoSandboxSetting } from '../pipeline/sandbox-policy.js';
import { assertQueueReachable, type QueueLocation } from './connection.js';
import type { ModelRateLimit } from './model-rate-limit.js';
import type { MirrorJobSettings } from './queue-mirror-stage.js';

/** `runPipeline`'s queue option: mirror through workers instead of in this process. */
export interface RunQueueOptions {
  location: QueueLocation;
  /** Jobs enqueued and not yet written back, at most; default 64. */
  maxInFlight?: number;
  /** Model requests a minute across all workers; default no limit. */
  modelRateLimit?: ModelRateLimit;
}

/** The parts of a run's options a coordinator's plan reads (a subset of `RunPipelineOptions`, named here so neither imports the other). */
export interface QueueRunInput {
  loaded: LoadedRunConfig;
  modelFlags?: ModelFlags;
  modelOptions?: { recordPath?: string; replayPath?: string; noCache?: boolean };
  model?: ChatModel;
  unsafeNoSandbox?: boolean;
  queue: RunQueueOptions;
}

/**
 * Check that a run can be a coordinator and work out what every job carries: the resolved model
 * config (never its key), the replay file (which the stage puts in Redis), the verify settings and limits. Refuses what a worker
 * cannot do for it (an injected model, a recording), and fails fast when Redis does not answer.
 */
export async function planQueueRun(options: QueueRunInput): Promise<MirrorJobSettings> {
  const { loaded } = options;
  const config = loaded.config;
  if (options.model) {
    throw new SweMirrorError({
      code: 'QUEUE_MODEL_INJECTED',
      kind: 'user',
      message: 'A model passed in code cannot travel to queue workers.',
      hint: 'Configure the model in the config file (or flags) so each worker builds its own, or run without a queue.',
    });
  }
  if (options.modelOptions?.recordPath) {
    throw new SweMirrorError({
      code: 'QUEUE_RECORD_UNSUPPORTED',
      kind: 'user',
      message: '--record writes one file in call order, which workers on other machines cannot append to.',
      hint: 'Record with a local run (without --queue); replaying (--replay) through a queue works.',
    });
  }
  await assertQueueReachable(options.queue.location);
  const modelConfig = resolveModelConfig({ flags: options.modelFlags ?? {}, file: config.model, fileSource: loaded.configPath });
  const replayPath =
    options.modelOptions?.replayPath ?? (modelConfig.provider === 'replay' && modelConfig.replayFile ? loaded.resolvePath(modelConfig.replayFile) : undefined);
  const unsafeNoSandbox: UnsafeNoSandboxSetting = options.unsafeNoSandbox || (config.unsafeNoSandbox as UnsafeNoSandboxSetting);
  return {
    budget: { retriesPerStep: config.mirror.retriesPerStep, samples: config.mirror.samples, ...(config.mirror.temperature === undefined ? {} : { temperature: config.mirror.temperature }) },
    verify: { strict: config.verify.strict, repeats: config.verify.repeats, ...(config.verify.reruns === undefined ? {} : { reruns: config.verify.reruns }) },
    model: {
      config: modelConfig,
      useCache: !options.modelOptions?.noCache,
      ...(options.queue.modelRateLimit ? { rateLimit: options.queue.modelRateLimit } : {}),
    },
    unsafeNoSandbox,
    // Enforced by the workers against the store's spend in Redis (docs/budgets.md, "Queue mode").
    ...(hasLimits(config.limits) ? { limits: config.limits } : {}),
    ...(replayPath ? { replayPath } : {}),
  };
}

// The model layer: config, adapters, retries, cache, record/replay.
export * from './model-config.js';
export * from './prices.js';
export * from './request-hash.js';
export * from './retry.js';
export * from './provider-model.js';
export * from './openai-model.js';
export * from './anthropic-model.js';
export * from './cache.js';
export * from './replay.js';
export * from './call-observer.js';
export * from './create-model.js';
export * from './model-command-options.js';

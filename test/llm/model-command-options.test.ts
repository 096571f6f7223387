import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addModelOptions, modelFlagsFromOptions, modelRunOptionsFromOptions, type ModelCommandOptions } from '../../src/llm/model-command-options.js';
import { resolveModelConfig } from '../../src/llm/model-config.js';

function parse(argv: string[]): ModelCommandOptions {
  const command = addModelOptions(new Command('mirror').exitOverride());
  command.parse(argv, { from: 'user' });
  return command.opts<ModelCommandOptions>();
}

describe('model command options', () => {
  it('turns flags into a config where they win over env vars', () => {
    const options = parse(['--model', 'qwen2.5-coder:7b', '--base-url', 'http://127.0.0.1:11434/v1', '--temperature', '0.2']);
    const config = resolveModelConfig({ flags: modelFlagsFromOptions(options), environment: { SWE_MIRROR_MODEL: 'gpt-4o' } });
    expect(config).toMatchObject({ provider: 'openai', model: 'qwen2.5-coder:7b', baseUrl: 'http://127.0.0.1:11434/v1', temperature: 0.2 });
    expect(modelRunOptionsFromOptions(options, '/cache')).toEqual({ cacheDirectory: '/cache' });
  });

  it('maps --no-cache, --record and --replay', () => {
    const options = parse(['--no-cache', '--record', 'run.jsonl', '--replay', 'old.jsonl']);
    expect(modelRunOptionsFromOptions(options, '/cache')).toEqual({ recordPath: 'run.jsonl', replayPath: 'old.jsonl' });
    expect(modelFlagsFromOptions(options)).toEqual({ replayFile: 'old.jsonl' });
  });
});

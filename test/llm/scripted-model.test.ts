import { describe, expect, it } from 'vitest';
import { SweMirrorError } from '../../src/core/errors.js';
import { createModel } from '../../src/llm/create-model.js';
import { modelConfigSchema } from '../../src/llm/model-config.js';
import { createScriptedModel } from '../../src/testing/index.js';

const ask = (content: string, n?: number) => ({ messages: [{ role: 'user' as const, content }], step: 'distill', ...(n ? { n } : {}) });

describe('scripted model', () => {
  it('answers in order, one entry per sample, and records every request', async () => {
    const model = createScriptedModel(['first', (request) => `echo ${request.messages[0]?.content}`, 'third']);
    expect((await model.complete(ask('a'))).texts).toEqual(['first']);
    expect((await model.complete(ask('b', 2))).texts).toEqual(['echo b', 'third']);
    expect(model.calls.map((call) => call.messages[0]?.content)).toEqual(['a', 'b']);
    expect(model.answersUsed).toBe(3);
  });

  it('simulates failures with Error entries and throwing functions', async () => {
    const failure = new SweMirrorError({ code: 'MODEL_UNAVAILABLE', kind: 'infrastructure', message: 'down' });
    const model = createScriptedModel([
      failure,
      () => {
        throw new Error('boom');
      },
      'ok',
    ]);
    await expect(model.complete(ask('x'))).rejects.toBe(failure);
    await expect(model.complete(ask('x'))).rejects.toThrow('boom');
    expect((await model.complete(ask('x'))).texts).toEqual(['ok']);
  });

  it('accepts one function for every call, with the call index', async () => {
    const model = createScriptedModel((request, index) => `${request.step}#${index}`);
    expect((await model.complete(ask('x', 2))).texts).toEqual(['distill#0', 'distill#1']);
  });

  it('says when the script runs out', async () => {
    const model = createScriptedModel(['only']);
    await model.complete(ask('x'));
    await expect(model.complete(ask('y'))).rejects.toMatchObject({ code: 'SCRIPTED_MODEL_EXHAUSTED' });
  });

  it('plugs into createModel with the scripted provider, and the cache layers over it', async () => {
    const model = createModel(modelConfigSchema.parse({ provider: 'scripted' }), { script: ['from script'] });
    expect((await model.complete(ask('x'))).texts).toEqual(['from script']);
  });
});

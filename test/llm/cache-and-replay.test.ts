import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SweMirrorError } from '../../src/core/errors.js';
import type { ChatRequest } from '../../src/core/model.js';
import { cacheEntryPath } from '../../src/llm/cache.js';
import type { ModelCallRecord } from '../../src/llm/call-observer.js';
import { createModel, type CreateModelOptions } from '../../src/llm/create-model.js';
import { modelConfigSchema } from '../../src/llm/model-config.js';
import { hashChatRequest } from '../../src/llm/request-hash.js';
import { startScriptedOpenAiServer, type ScriptedServer } from '../../src/testing/index.js';

let server: ScriptedServer;
let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-llm-'));
  let counter = 0;
  server = await startScriptedOpenAiServer({
    responses: (body) => {
      counter += 1;
      const last = (body as { messages: Array<{ content: string }> }).messages.at(-1)?.content ?? '';
      return { text: `answer ${counter} to ${last}`, usage: { inputTokens: 100, outputTokens: 10 } };
    },
  });
});
afterEach(async () => {
  await server.close();
  await rm(directory, { recursive: true, force: true });
});

function liveModel(options: CreateModelOptions = {}) {
  return createModel(modelConfigSchema.parse({ model: 'gpt-4o-mini', baseUrl: server.url }), { environment: {}, ...options });
}

const question = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({ messages: [{ role: 'user', content }], step: 'distill', ...extra });

describe('response cache', () => {
  it('answers a repeated request from disk with zero HTTP requests and zero cost, across model instances', async () => {
    const cacheDirectory = path.join(directory, 'cache');
    const first = await liveModel({ cacheDirectory }).complete(question('q1'));
    expect(first.cached).toBe(false);
    expect(first.costUsd).toBeGreaterThan(0);
    expect(server.requests).toHaveLength(1);

    const calls: ModelCallRecord[] = [];
    const rerun = liveModel({ cacheDirectory, onCall: (record) => calls.push(record) });
    const second = await rerun.complete(question('q1'));
    expect(calls).toEqual([expect.objectContaining({ step: 'distill', cached: true, costUsd: 0, requestHash: first.requestHash, inputTokens: 100 })]);
    expect(server.requests).toHaveLength(1);
    expect(second).toMatchObject({ texts: first.texts, cached: true, costUsd: 0, requestHash: first.requestHash, usage: first.usage });

    // No stray temp files from the atomic write.
    const shard = path.dirname(cacheEntryPath(cacheDirectory, first.requestHash));
    expect(await readdir(shard)).toEqual([`${first.requestHash}.json`]);
  });

  it('asks again for a new attempt index, another temperature or another model', async () => {
    const cacheDirectory = path.join(directory, 'cache');
    const model = liveModel({ cacheDirectory });
    await model.complete(question('q'));
    await model.complete(question('q', { attempt: 1 }));
    await model.complete(question('q', { temperature: 0 }));
    await model.complete(question('q', { temperature: 0.7 })); // the configured default: same as the first
    expect(server.requests).toHaveLength(3);
    const other = createModel(modelConfigSchema.parse({ model: 'gpt-4.1-mini', baseUrl: server.url }), { environment: {}, cacheDirectory });
    await other.complete(question('q'));
    expect(server.requests).toHaveLength(4);
  });

  it('treats a corrupt cache file as a miss and repairs it', async () => {
    const cacheDirectory = path.join(directory, 'cache');
    const model = liveModel({ cacheDirectory });
    const first = await model.complete(question('q'));
    await writeFile(cacheEntryPath(cacheDirectory, first.requestHash), '{"schemaVersion": 1, "trunc');
    const second = await model.complete(question('q'));
    expect(second.cached).toBe(false);
    expect(server.requests).toHaveLength(2);
    const third = await model.complete(question('q'));
    expect(third.cached).toBe(true);
    expect(third.texts).toEqual(second.texts);
  });
});

describe('record and replay', () => {
  it('replays a recorded run offline with identical texts', async () => {
    const recordPath = path.join(directory, 'run', 'recording.jsonl');
    const recorder = liveModel({ recordPath });
    const requests = [question('alpha'), question('beta', { step: 'statement', n: 2, temperature: 1 }), question('alpha')];
    const live = [];
    for (const request of requests) live.push((await recorder.complete(request)).texts);
    // Without a cache the same prompt is sampled twice; replay must give back both samples.
    expect(live[0]).not.toEqual(live[2]);

    const lines = (await readFile(recordPath, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(3);
    const entry = JSON.parse(lines[1]!) as Record<string, unknown>;
    expect(entry).toMatchObject({ schemaVersion: 1, step: 'statement', modelId: 'openai:gpt-4o-mini', request: { n: 2, lastUserPreview: 'beta' } });

    await server.close();
    const replay = createModel(modelConfigSchema.parse({ provider: 'replay' }), { replayPath: recordPath });
    const replayed = [];
    for (const request of requests) {
      const response = await replay.complete(request);
      expect(response.cached).toBe(true);
      expect(response.costUsd).toBe(0);
      replayed.push(response.texts);
    }
    expect(replayed).toEqual(live);
  });

  it('names the step and the request hash when the recording has no answer', async () => {
    const recordPath = path.join(directory, 'recording.jsonl');
    await liveModel({ recordPath }).complete(question('recorded'));
    const replay = createModel(modelConfigSchema.parse({ provider: 'replay', replayFile: recordPath }));
    const missing = question('never asked', { step: 'mirror' });
    const error = await replay.complete(missing).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(SweMirrorError);
    const modelError = error as SweMirrorError;
    expect(modelError.code).toBe('MODEL_REPLAY_MISS');
    expect(modelError.kind).toBe('user');
    expect(modelError.message).toContain('this recording'.replace('this', 'This'));
    expect(modelError.message).toContain('has no answer for step "mirror"');
    expect(modelError.message).toContain(hashChatRequest(null, missing));
  });

  it('skips a torn last line but rejects a corrupt line in the middle', async () => {
    const recordPath = path.join(directory, 'recording.jsonl');
    await liveModel({ recordPath }).complete(question('kept'));
    await appendFile(recordPath, '{"schemaVersion":1,"requestHa');
    const replay = createModel(modelConfigSchema.parse({ provider: 'replay', replayFile: recordPath }));
    expect((await replay.complete(question('kept'))).texts[0]).toContain('kept');

    await appendFile(recordPath, '\n{}\n');
    const broken = createModel(modelConfigSchema.parse({ provider: 'replay', replayFile: recordPath }));
    await expect(broken.complete(question('kept'))).rejects.toMatchObject({ code: 'MODEL_RECORDING_INVALID', kind: 'user' });
  });

  it('records answers that came from the cache, so a warm rerun still yields a complete recording', async () => {
    const cacheDirectory = path.join(directory, 'cache');
    await liveModel({ cacheDirectory }).complete(question('warm'));
    const recordPath = path.join(directory, 'recording.jsonl');
    await liveModel({ cacheDirectory, recordPath }).complete(question('warm'));
    expect(server.requests).toHaveLength(1);
    const replay = createModel(modelConfigSchema.parse({ provider: 'replay', replayFile: recordPath }));
    expect((await replay.complete(question('warm'))).texts[0]).toBe('answer 1 to warm');
  });

  it('reports a missing recording as a user error', async () => {
    const replay = createModel(modelConfigSchema.parse({ provider: 'replay', replayFile: path.join(directory, 'nope.jsonl') }));
    await expect(replay.complete(question('x'))).rejects.toMatchObject({ code: 'MODEL_RECORDING_NOT_FOUND', kind: 'user' });
  });
});

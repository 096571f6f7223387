import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { SweMirrorError } from '../core/errors.js';
import type { ChatModel, ChatRequest, ChatResponse } from '../core/model.js';
import { hashChatRequest } from './request-hash.js';

export const RECORDING_SCHEMA_VERSION = 1;

const recordingEntrySchema = z.looseObject({
  schemaVersion: z.literal(RECORDING_SCHEMA_VERSION),
  /** Model-independent hash of the request as the pipeline made it: what replay matches on. */
  requestHash: z.string(),
  modelId: z.string(),
  step: z.string().nullish(),
  request: z.looseObject({}),
  response: z.object({
    texts: z.array(z.string()),
    model: z.string(),
    usage: z.object({ inputTokens: z.number(), outputTokens: z.number() }),
    costUsd: z.number(),
  }),
  recordedAt: z.string(),
});

export type RecordingEntry = z.infer<typeof recordingEntrySchema>;

const PREVIEW_LENGTH = 200;

/** A short description of a request for the recording (the full prompt stays out of it). */
export function summariseRequest(request: ChatRequest): Record<string, unknown> {
  const lastUser = [...request.messages].reverse().find((message) => message.role === 'user');
  return {
    messageCount: request.messages.length,
    characters: request.messages.reduce((sum, message) => sum + message.content.length, 0),
    temperature: request.temperature ?? null,
    n: request.n ?? 1,
    maxTokens: request.maxTokens ?? null,
    attempt: request.attempt ?? 0,
    lastUserPreview: lastUser ? lastUser.content.slice(0, PREVIEW_LENGTH) : null,
  };
}

/** Read a recording; a torn last line (a run killed mid-write) is skipped, any other bad line is an error. */
export async function readRecording(file: string): Promise<RecordingEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new SweMirrorError({
      code: 'MODEL_RECORDING_NOT_FOUND',
      kind: 'user',
      message: `Cannot read the model recording ${file}.`,
      hint: 'Pass a JSONL file written by a run with --record <file>.',
      cause,
    });
  }
  const lines = text.split('\n');
  const entries: RecordingEntry[] = [];
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let parsed: ReturnType<typeof recordingEntrySchema.safeParse> | undefined;
    try {
      parsed = recordingEntrySchema.safeParse(JSON.parse(line));
    } catch {
      parsed = undefined;
    }
    if (parsed?.success) {
      entries.push(parsed.data);
      continue;
    }
    const isLastLine = lines.slice(index + 1).every((rest) => rest.trim() === '');
    if (isLastLine && !text.endsWith('\n')) continue;
    throw new SweMirrorError({
      code: 'MODEL_RECORDING_INVALID',
      kind: 'user',
      message: `Line ${index + 1} of the model recording ${file} is not a recording entry (schema version ${RECORDING_SCHEMA_VERSION}).`,
      hint: 'Record the run again with --record <file>; do not edit recordings by hand.',
    });
  }
  return entries;
}

/** Append every answered request (hash, summary, response) to a JSONL recording, in call order. */
export function withRecording(model: ChatModel, options: { file: string }): ChatModel {
  let writes: Promise<void> = Promise.resolve();
  return {
    id: model.id,
    async complete(request: ChatRequest): Promise<ChatResponse> {
      const response = await model.complete(request);
      const entry: RecordingEntry = {
        schemaVersion: RECORDING_SCHEMA_VERSION,
        requestHash: hashChatRequest(null, request),
        modelId: model.id,
        step: request.step ?? null,
        request: summariseRequest(request),
        response: { texts: response.texts, model: response.model, usage: response.usage, costUsd: response.costUsd },
        recordedAt: new Date().toISOString(),
      };
      // One write per line, in order: concurrent calls must not interleave lines.
      writes = writes.then(async () => {
        await mkdir(path.dirname(path.resolve(options.file)), { recursive: true });
        await appendFile(options.file, `${JSON.stringify(entry)}\n`, 'utf8');
      });
      await writes;
      return response;
    },
  };
}

/**
 * A model that answers only from a recording, never the network; a request it lacks is a user
 * error. The k-th time a request is asked it gets the k-th recorded answer to it (the last one
 * once they run out), so a run that sampled the same prompt twice replays both samples.
 */
export function createReplayModel(options: { file: string }): ChatModel {
  let entries: Promise<Map<string, RecordingEntry[]>> | undefined;
  const asked = new Map<string, number>();
  const load = async (): Promise<Map<string, RecordingEntry[]>> => {
    const byHash = new Map<string, RecordingEntry[]>();
    for (const entry of await readRecording(options.file)) {
      const list = byHash.get(entry.requestHash);
      if (list) list.push(entry);
      else byHash.set(entry.requestHash, [entry]);
    }
    return byHash;
  };
  return {
    id: `replay:${path.basename(options.file)}`,
    async complete(request: ChatRequest): Promise<ChatResponse> {
      const started = performance.now();
      entries ??= load();
      const requestHash = hashChatRequest(null, request);
      const answers = (await entries).get(requestHash) ?? [];
      const occurrence = asked.get(requestHash) ?? 0;
      asked.set(requestHash, occurrence + 1);
      const entry = answers[Math.min(occurrence, answers.length - 1)];
      if (!entry) {
        throw new SweMirrorError({
          code: 'MODEL_REPLAY_MISS',
          kind: 'user',
          message: `This recording (${options.file}) has no answer for step "${request.step ?? 'unnamed'}" (request hash ${requestHash}).`,
          hint: 'The prompts, inputs or sampling settings differ from the recorded run: record it again with --record <file>, or use a live model.',
          details: { file: options.file, step: request.step, requestHash },
        });
      }
      return {
        texts: entry.response.texts,
        model: entry.response.model,
        usage: entry.response.usage,
        costUsd: 0,
        latencyMs: performance.now() - started,
        requestHash,
        cached: true,
        retries: 0,
      };
    },
  };
}

import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { SweMirrorError } from '../core/errors.js';
import { formatIssues } from '../config/validate.js';

/** One prediction in SWE-bench form. */
export interface Prediction {
  instanceId: string;
  modelNameOrPath: string;
  /** The candidate patch; empty when the model submitted nothing (null or "" in the file). */
  modelPatch: string;
}

/** What reading a predictions file gave: the predictions, and the entries it had to skip, said plainly. */
export interface ReadPredictionsResult {
  predictions: Prediction[];
  warnings: string[];
}

// Tolerant: harness outputs carry extra fields (cost, trajectories); only these three are read.
const predictionSchema = z.looseObject({
  instance_id: z.string().min(1),
  model_name_or_path: z.string().min(1).nullish(),
  model_patch: z.string().nullish(),
});

function invalidFile(file: string, message: string, cause?: unknown): SweMirrorError {
  return new SweMirrorError({
    code: 'EVALUATE_PREDICTIONS_INVALID',
    kind: 'user',
    message: `${file}: ${message}`,
    hint: 'Predictions are SWE-bench records ({instance_id, model_name_or_path, model_patch}): a JSON list, a JSON object keyed by instance_id, or JSONL.',
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Parse the raw entries of a predictions file: a JSON list, a JSON object keyed by instance id (SWE-bench's preds.json), or JSONL. */
export function parsePredictionEntries(text: string, file: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed === '') throw invalidFile(file, 'the file is empty.');
  let whole: unknown;
  try {
    whole = JSON.parse(trimmed);
  } catch {
    whole = undefined;
  }
  if (Array.isArray(whole)) return whole;
  if (typeof whole === 'object' && whole !== null) {
    if ('instance_id' in whole) return [whole];
    return Object.entries(whole as Record<string, unknown>).map(([key, entry]) =>
      typeof entry === 'object' && entry !== null ? { instance_id: key, ...(entry as object) } : entry,
    );
  }
  return trimmed.split('\n').flatMap((line, index) => {
    if (line.trim() === '') return [];
    try {
      return [JSON.parse(line) as unknown];
    } catch (cause) {
      throw invalidFile(file, `line ${index + 1} is not valid JSON (${(cause as Error).message}).`, cause);
    }
  });
}

/** Read a predictions file; a repeated instance id keeps its first prediction per model, with a warning. */
export async function readPredictions(file: string): Promise<ReadPredictionsResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new SweMirrorError({
      code: 'EVALUATE_PREDICTIONS_NOT_FOUND',
      kind: 'user',
      message: `Cannot read the predictions ${file}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}.`,
      hint: 'Pass --predictions with a JSON or JSONL file of SWE-bench predictions.',
      cause,
    });
  }
  const predictions: Prediction[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  for (const [index, entry] of parsePredictionEntries(text, file).entries()) {
    const parsed = predictionSchema.safeParse(entry);
    if (!parsed.success) throw invalidFile(file, `entry ${index + 1} is not a prediction: ${formatIssues(parsed.error.issues).join('; ')}.`);
    const prediction: Prediction = {
      instanceId: parsed.data.instance_id,
      modelNameOrPath: parsed.data.model_name_or_path ?? 'unnamed-model',
      modelPatch: parsed.data.model_patch ?? '',
    };
    const key = `${prediction.modelNameOrPath}\u0000${prediction.instanceId}`;
    if (seen.has(key)) {
      warnings.push(`entry ${index + 1} repeats ${prediction.instanceId} for ${prediction.modelNameOrPath}; the first one is evaluated`);
      continue;
    }
    seen.add(key);
    predictions.push(prediction);
  }
  return { predictions, warnings };
}

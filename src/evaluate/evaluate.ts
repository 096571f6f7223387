import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import { SweMirrorError, isSweMirrorError } from '../core/errors.js';
import type { Runtime } from '../core/process.js';
import type { SandboxRecord } from '../core/records.js';
import { writeFileAtomically } from '../dataset/atomic-write.js';
import { createLocalRuntime } from '../runtime/local.js';
import { isExportedTask, readExportedTasks, type ExportedTask } from '../validate/read-exported-tasks.js';
import { evaluateEmptyPatch, evaluateInstance, type EvaluationError, type InstanceEvaluation } from './evaluate-instance.js';
import { prepareEvaluationGyms, type EvaluationGymEvent } from './evaluation-gyms.js';
import { readPredictions, type Prediction } from './predictions.js';
import { summarizeEvaluations, toSweBenchReport, type EvaluationSummary } from './report.js';

export type EvaluateEvent =
  | EvaluationGymEvent
  | { type: 'warning'; message: string }
  | { type: 'instance-done'; evaluation: InstanceEvaluation; isResumed: boolean; done: number; total: number }
  | { type: 'instance-failed'; instanceId: string; modelNameOrPath: string; error: EvaluationError; done: number; total: number };

export interface EvaluateInput {
  /** tasks.jsonl written by `swe-mirror export` (gyms/ and bundles/ beside it). */
  tasksFile: string;
  /** A predictions file, or the predictions themselves. */
  predictions: string | Prediction[];
  /** Reports go to `<output>/<run id>/<model>/<instance id>/`, summaries to `<output>/<model>.<run id>.json`. */
  outputDirectory: string;
  runId?: string;
  /** Where gyms are prepared and kept for reruns; default `<output>/.data`. */
  dataDirectory?: string;
  /** Instances evaluated at once; default 1. */
  workers?: number;
  /** Evaluate only these instance ids (the resolve rate is then over these). */
  instanceIds?: string[];
  baselineRuns?: number;
  /** Default: the local runtime, sandboxed where bubblewrap works. */
  runtime?: Runtime;
  /** The user chose to run without a sandbox (--unsafe-no-sandbox): recorded in every report and summary. */
  unsafeNoSandbox?: boolean;
  onEvent?: (event: EvaluateEvent) => void;
  /** Evaluate non-empty predictions elsewhere (queue workers, `--queue`) instead of on local gyms; no gym is prepared here then. */
  remote?: RemoteEvaluator;
}

/** Evaluates predictions on other machines: `swe-mirror evaluate --queue` (src/queue/queue-evaluator.ts). */
export interface RemoteEvaluator {
  /** Predictions in flight at once. */
  concurrency: number;
  /** Evaluate one non-empty prediction, writing the suite's output to `logPath`; throws when it could not be evaluated. */
  evaluate(input: { tasksFile: string; task: ExportedTask; prediction: Prediction; logPath: string; baselineRuns?: number }): Promise<InstanceEvaluation>;
}

export interface EvaluateResult {
  runId: string;
  /** One summary per model in the predictions. */
  summaries: EvaluationSummary[];
  evaluations: InstanceEvaluation[];
  /** Predictions that could not be evaluated this time (infrastructure, gym not prepared): a rerun tries them again. */
  failures: Array<{ instanceId: string; modelNameOrPath: string; error: EvaluationError }>;
  warnings: string[];
  /** How this run was isolated, as every report and summary it wrote records it. */
  sandbox: SandboxRecord;
  durationMs: number;
}

/** A name safe as one path segment: a model such as `openai/gpt-4o` becomes `openai__gpt-4o`. */
export function toPathSegment(name: string): string {
  return name.replace(/[/\\]+/g, '__').replace(/[^\w.@+=-]+/g, '_').replace(/^\.+/, '_');
}

interface InstancePaths {
  directory: string;
  report: string;
  evaluation: string;
  patch: string;
  log: string;
}

function instancePaths(outputDirectory: string, runId: string, prediction: Prediction): InstancePaths {
  const directory = path.join(outputDirectory, toPathSegment(runId), toPathSegment(prediction.modelNameOrPath), toPathSegment(prediction.instanceId));
  return {
    directory,
    report: path.join(directory, 'report.json'),
    evaluation: path.join(directory, 'evaluation.json'),
    patch: path.join(directory, 'patch.diff'),
    log: path.join(directory, 'test_output.txt'),
  };
}

/** An earlier run's evaluation of the same patch, when there is one. */
async function readFinished(paths: InstancePaths, prediction: Prediction): Promise<InstanceEvaluation | undefined> {
  if (!existsSync(paths.evaluation) || !existsSync(paths.report)) return undefined;
  try {
    if ((await readFile(paths.patch, 'utf8')) !== prediction.modelPatch) return undefined;
    const evaluation = JSON.parse(await readFile(paths.evaluation, 'utf8')) as InstanceEvaluation;
    return evaluation.instanceId === prediction.instanceId ? evaluation : undefined;
  } catch {
    return undefined;
  }
}

async function writeFinished(paths: InstancePaths, prediction: Prediction, evaluation: InstanceEvaluation): Promise<void> {
  await mkdir(paths.directory, { recursive: true });
  await writeFileAtomically(paths.patch, [prediction.modelPatch]);
  await writeFileAtomically(paths.evaluation, [`${JSON.stringify(evaluation, null, 2)}\n`]);
  // report.json last: its presence marks the instance finished.
  await writeFileAtomically(paths.report, [`${JSON.stringify(toSweBenchReport(evaluation), null, 2)}\n`]);
}

function toError(error: unknown): EvaluationError {
  if (isSweMirrorError(error)) return { code: error.code, kind: error.kind, message: error.message };
  return { code: 'INTERNAL', kind: 'internal', message: error instanceof Error ? error.message : String(error) };
}

/**
 * Evaluate SWE-bench predictions on exported tasks, as SWE-bench's harness does: per instance a report.json,
 * per model a summary whose resolve rate is over all tasks. Resumable: an instance whose report exists for the
 * same patch is not run again. Parallel: `workers` instances at once, each on its own leased working copy.
 */
export async function evaluatePredictions(input: EvaluateInput): Promise<EvaluateResult> {
  const startedAt = performance.now();
  const emit = input.onEvent ?? (() => undefined);
  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
    emit({ type: 'warning', message });
  };
  const runId = input.runId ?? 'swe-mirror';
  const tasksFile = path.resolve(input.tasksFile);
  const outputDirectory = path.resolve(input.outputDirectory);
  const runtime = input.runtime ?? createLocalRuntime();
  const missing = (await runtime.describeProtections()).missing;
  const sandbox: SandboxRecord = { isolated: missing.length === 0, unsafeNoSandbox: input.unsafeNoSandbox ?? false, missing };

  const entries = await readExportedTasks(tasksFile);
  for (const entry of entries) if (!isExportedTask(entry)) warn(`${entry.error.message} (not evaluated)`);
  const wanted = input.instanceIds ? new Set(input.instanceIds) : undefined;
  const tasks = new Map<string, ExportedTask>();
  for (const entry of entries) if (isExportedTask(entry) && (!wanted || wanted.has(entry.instanceId))) tasks.set(entry.instanceId, entry);

  const read = typeof input.predictions === 'string' ? await readPredictions(input.predictions) : { predictions: input.predictions, warnings: [] };
  for (const message of read.warnings) warn(message);
  const predictions = read.predictions.filter((prediction) => {
    if (tasks.has(prediction.instanceId)) return true;
    if (!wanted || wanted.has(prediction.instanceId)) warn(`prediction for ${prediction.instanceId} (${prediction.modelNameOrPath}) names no task in ${tasksFile}; skipped`);
    return false;
  });

  const neededGyms = new Map<string, ExportedTask[]>();
  for (const prediction of predictions) {
    const task = tasks.get(prediction.instanceId) as ExportedTask;
    if (prediction.modelPatch.trim() !== '') neededGyms.set(task.gym, [...(neededGyms.get(task.gym) ?? []), task]);
  }
  const dataDirectory = path.resolve(input.dataDirectory ?? path.join(outputDirectory, '.data'));
  const gyms = input.remote ? new Map<string, never>() : await prepareEvaluationGyms({
    exportDirectory: path.dirname(tasksFile),
    tasksByGym: neededGyms,
    dataDirectory,
    runtime,
    ...(input.baselineRuns === undefined ? {} : { baselineRuns: input.baselineRuns }),
    onEvent: emit,
  });

  const evaluations: InstanceEvaluation[] = [];
  const failures: EvaluateResult['failures'] = [];
  let done = 0;
  const limit = pLimit(Math.max(1, input.remote?.concurrency ?? input.workers ?? 1));
  await Promise.all(
    predictions.map((prediction) =>
      limit(async () => {
        const task = tasks.get(prediction.instanceId) as ExportedTask;
        const paths = instancePaths(outputDirectory, runId, prediction);
        const finished = await readFinished(paths, prediction);
        if (finished) {
          evaluations.push(finished);
          done += 1;
          emit({ type: 'instance-done', evaluation: finished, isResumed: true, done, total: predictions.length });
          return;
        }
        try {
          let evaluation: InstanceEvaluation;
          if (prediction.modelPatch.trim() === '') {
            evaluation = { ...evaluateEmptyPatch(task, prediction.modelNameOrPath), sandbox };
          } else if (input.remote) {
            // The worker's own sandbox record comes with its evaluation.
            const remote = await input.remote.evaluate({ tasksFile, task, prediction, logPath: paths.log, ...(input.baselineRuns === undefined ? {} : { baselineRuns: input.baselineRuns }) });
            evaluation = { sandbox, ...remote };
          } else {
            const gym = gyms.get(task.gym);
            if (!gym?.exported) {
              const reason = gym?.error ?? { code: 'EVALUATE_GYM_UNPREPARED', kind: 'internal' as const, message: `gym ${task.gym} was not prepared` };
              throw new SweMirrorError({ code: reason.code, kind: reason.kind, message: reason.message });
            }
            await mkdir(paths.directory, { recursive: true });
            evaluation = {
              ...(await evaluateInstance({
                exported: gym.exported,
                runtime,
                task,
                modelNameOrPath: prediction.modelNameOrPath,
                patch: prediction.modelPatch,
                logPath: paths.log,
              })),
              sandbox,
            };
          }
          await writeFinished(paths, prediction, evaluation);
          evaluations.push(evaluation);
          done += 1;
          emit({ type: 'instance-done', evaluation, isResumed: false, done, total: predictions.length });
        } catch (cause) {
          const error = toError(cause);
          failures.push({ instanceId: prediction.instanceId, modelNameOrPath: prediction.modelNameOrPath, error });
          done += 1;
          emit({ type: 'instance-failed', instanceId: prediction.instanceId, modelNameOrPath: prediction.modelNameOrPath, error, done, total: predictions.length });
        }
      }),
    ),
  );

  const models = [...new Set(read.predictions.map((prediction) => prediction.modelNameOrPath))];
  const summaries: EvaluationSummary[] = [];
  for (const model of models) {
    const summary = summarizeEvaluations({
      modelNameOrPath: model,
      runId,
      taskIds: [...tasks.keys()],
      submittedIds: predictions.filter((prediction) => prediction.modelNameOrPath === model).map((prediction) => prediction.instanceId),
      evaluations: evaluations.filter((evaluation) => evaluation.modelNameOrPath === model),
      failedIds: failures.filter((failure) => failure.modelNameOrPath === model).map((failure) => failure.instanceId),
      sandbox,
    });
    await mkdir(outputDirectory, { recursive: true });
    await writeFileAtomically(path.join(outputDirectory, `${toPathSegment(model)}.${toPathSegment(runId)}.json`), [`${JSON.stringify(summary, null, 2)}\n`]);
    summaries.push(summary);
  }
  evaluations.sort((left, right) => left.instanceId.localeCompare(right.instanceId));
  return { runId, summaries, evaluations, failures, warnings, sandbox, durationMs: Math.round(performance.now() - startedAt) };
}

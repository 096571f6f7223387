import { appendFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import { isSweMirrorError } from '../core/errors.js';
import type { Runtime } from '../core/process.js';
import { diffWorkingCopy } from '../edits/patch.js';
import { evaluateInstance } from '../evaluate/evaluate-instance.js';
import { prepareEvaluationGyms, type EvaluationGymEvent } from '../evaluate/evaluation-gyms.js';
import { toPathSegment } from '../evaluate/evaluate.js';
import { toSandboxReport, type SandboxReport } from '../evaluate/report.js';
import { gymRunOptions } from '../gym/gym-environment.js';
import { resolveGymRuntime } from '../gym/gym-runtime.js';
import { createLocalRuntime } from '../runtime/local.js';
import { acquireExclusiveLock } from '../store/exclusive-lock.js';
import type { ExportedGym } from '../validate/prepare-exported-gym.js';
import { isExportedTask, readExportedTasks, type ExportedTask } from '../validate/read-exported-tasks.js';
import type { AgentModel } from './agent-model.js';
import { readProblemStatements } from './problem-statements.js';
import { runEpisode, type EpisodeInput } from './run-episode.js';
import { AGENT_TOOLS } from './tools.js';
import { TRAJECTORY_FORMAT, readTrajectories, type TrajectoryEvaluation, type TrajectoryRecord } from './trajectory.js';
import { createAgentWorkspace } from './workspace.js';

export type RolloutEvent =
  | EvaluationGymEvent
  | { type: 'warning'; message: string }
  | { type: 'episode-done'; record: TrajectoryRecord; done: number; total: number }
  | { type: 'episode-skipped'; instanceId: string; trial: number };

/** What defines an episode besides its task and trial: the sampling and the budgets (a queue job's id hashes them). */
export interface EpisodeSettings {
  temperature: number;
  maxRounds?: number;
  maxTotalTokens?: number;
  maxCostUsd?: number;
  commandTimeoutSeconds?: number;
}

/** Episodes run elsewhere (`rollout --queue`: src/queue/queue-rollout.ts); this process only appends the records. */
export interface RemoteRollout {
  /** Episodes in flight at once. */
  concurrency: number;
  /** Run one episode and hand its record to `write` (which appends it) before the remote forgets the result. */
  runEpisode(input: {
    tasksFile: string;
    task: ExportedTask;
    trial: number;
    problemStatement: string;
    settings: EpisodeSettings;
    baselineRuns?: number;
    write: (record: TrajectoryRecord) => Promise<void>;
  }): Promise<void>;
}

export interface RolloutInput {
  tasksFile: string;
  model: AgentModel;
  /** Trajectories are appended here, one JSON line per episode; episodes already in it are not run again. */
  outputFile: string;
  /** Trials per task; default 3, the paper's. */
  trials?: number;
  temperature?: number;
  maxRounds?: number;
  maxTotalTokens?: number;
  maxCostUsd?: number;
  commandTimeoutSeconds?: number;
  /** Episodes run at once; default 1. */
  workers?: number;
  instanceIds?: string[];
  /** Where gyms and agent repositories live; default `<output file's folder>/.rollout-data`. */
  dataDirectory?: string;
  baselineRuns?: number;
  /** Default: the local runtime, sandboxed where bubblewrap works. */
  runtime?: Runtime;
  /** The user chose to run without a sandbox (--unsafe-no-sandbox): recorded in every trajectory. */
  unsafeNoSandbox?: boolean;
  onEvent?: (event: RolloutEvent) => void;
  /** Run the episodes elsewhere: no gym is prepared and no command runs here (the runtime and sandbox are the remote's). */
  remote?: RemoteRollout;
}

export interface RolloutResult {
  records: TrajectoryRecord[];
  skipped: number;
  warnings: string[];
  /** Episodes a remote could not run (a dead letter): a rerun tries them again. Always 0 locally, where a failure throws. */
  failed: number;
}

/**
 * Run N trials of the three-tool agent on every exported task, in the task's sandbox, and record each
 * trajectory with the evaluation of its patch on the hidden tests.
 */
export async function rollout(input: RolloutInput): Promise<RolloutResult> {
  const emit = input.onEvent ?? (() => undefined);
  const warnings: string[] = [];
  const tasksFile = path.resolve(input.tasksFile);
  const outputFile = path.resolve(input.outputFile);
  const remote = input.remote;
  const runtime = input.runtime ?? createLocalRuntime();
  // With a remote nothing runs here: each worker records its own sandbox.
  const missing = remote ? [] : (await runtime.describeProtections()).missing;
  const sandbox = toSandboxReport({ isolated: missing.length === 0, unsafeNoSandbox: input.unsafeNoSandbox ?? false, missing });
  const trials = input.trials ?? 3;
  const settings: EpisodeSettings = {
    temperature: input.temperature ?? 1.0,
    ...(input.maxRounds === undefined ? {} : { maxRounds: input.maxRounds }),
    ...(input.maxTotalTokens === undefined ? {} : { maxTotalTokens: input.maxTotalTokens }),
    ...(input.maxCostUsd === undefined ? {} : { maxCostUsd: input.maxCostUsd }),
    ...(input.commandTimeoutSeconds === undefined ? {} : { commandTimeoutSeconds: input.commandTimeoutSeconds }),
  };
  const dataDirectory = path.resolve(input.dataDirectory ?? path.join(path.dirname(outputFile), '.rollout-data'));

  const wanted = input.instanceIds ? new Set(input.instanceIds) : undefined;
  const tasks = (await readExportedTasks(tasksFile)).filter((entry): entry is ExportedTask => {
    if (!isExportedTask(entry)) {
      warnings.push(entry.error.message);
      emit({ type: 'warning', message: entry.error.message });
      return false;
    }
    return !wanted || wanted.has(entry.instanceId);
  });
  const statements = await readProblemStatements(tasksFile);
  const keyOf = (instanceId: string, trial: number) => `${instanceId}\u0000${trial}`;
  // Remote episodes come back whenever their job finishes: one coordinator per file (taken before the file is read), so each is appended once.
  if (remote) await mkdir(path.dirname(outputFile), { recursive: true });
  const lock = remote ? acquireExclusiveLock(`${outputFile}.lock`, { what: `The trajectories file ${outputFile}`, command: 'swe-mirror rollout --queue' }) : undefined;
  try {
    const done = new Set((await readTrajectories(outputFile, { isOptional: true })).map((record) => keyOf(record.instance_id, record.trial)));

    const byGym = new Map<string, ExportedTask[]>();
    for (const task of tasks) byGym.set(task.gym, [...(byGym.get(task.gym) ?? []), task]);
    const baselineRuns = input.baselineRuns === undefined ? {} : { baselineRuns: input.baselineRuns };
    const gyms = remote ? new Map<string, never>() : await prepareEvaluationGyms({ exportDirectory: path.dirname(tasksFile), tasksByGym: byGym, dataDirectory, runtime, ...baselineRuns, onEvent: emit });

    await mkdir(path.dirname(outputFile), { recursive: true });
    const records: TrajectoryRecord[] = [];
    let skipped = 0;
    let failed = 0;
    const jobs = tasks.flatMap((task) => Array.from({ length: trials }, (_, trial) => ({ task, trial })));
    const limit = pLimit(Math.max(1, remote?.concurrency ?? input.workers ?? 1));
    /** One write per line: a kill leaves at most a cut last line, which reading drops. A record already written is not written again. */
    const write = async (record: TrajectoryRecord): Promise<void> => {
      const key = keyOf(record.instance_id, record.trial);
      if (done.has(key)) return;
      done.add(key);
      await appendFile(outputFile, `${JSON.stringify(record)}\n`);
      records.push(record);
      emit({ type: 'episode-done', record, done: records.length + skipped, total: jobs.length });
    };
    await Promise.all(
      jobs.map(({ task, trial }) =>
        limit(async () => {
          if (done.has(keyOf(task.instanceId, trial))) {
            skipped += 1;
            emit({ type: 'episode-skipped', instanceId: task.instanceId, trial });
            return;
          }
          const problemStatement = statements.get(task.instanceId) ?? '';
          if (remote) {
            try {
              await remote.runEpisode({ tasksFile, task, trial, problemStatement, settings, ...baselineRuns, write });
            } catch (error) {
              // A user error (an export a job cannot carry) stops the command with its fix, as locally.
              if (isSweMirrorError(error) && error.kind === 'user') throw error;
              // A dead letter: the other episodes go on; a rerun of the command tries this one again.
              failed += 1;
              const message = `${task.instanceId} trial ${trial} not run: ${error instanceof Error ? error.message : String(error)}`;
              warnings.push(message);
              emit({ type: 'warning', message });
            }
            return;
          }
          const exported = gyms.get(task.gym)?.exported;
          if (!exported) {
            const message = `${task.instanceId} trial ${trial} not run: ${gyms.get(task.gym)?.error?.message ?? 'gym not prepared'}`;
            warnings.push(message);
            emit({ type: 'warning', message });
            return;
          }
          const episodeDirectory = path.join(dataDirectory, 'episodes', `${toPathSegment(task.instanceId)}-trial-${trial}`);
          await write(await runRolloutEpisode({ exported, task, trial, problemStatement, model: input.model, runtime, sandbox, settings, episodeDirectory }));
        }),
      ),
    );
    return { records, skipped, warnings, failed };
  } finally {
    lock?.release();
  }
}

export interface RolloutEpisodeInput {
  exported: ExportedGym;
  task: ExportedTask;
  trial: number;
  problemStatement: string;
  model: AgentModel;
  /** Runs the agent's commands (a docker gym's resolve to containers of its image) and, unless `evaluationRuntime`, the evaluation. */
  runtime: Runtime;
  evaluationRuntime?: Runtime;
  /** Recorded in the trajectory: how the commands were isolated. */
  sandbox: SandboxReport;
  settings: EpisodeSettings;
  /** Holds the agent's repository and the evaluation's log; removed afterwards. */
  episodeDirectory: string;
}

/** One episode on a prepared exported gym, its patch evaluated on the hidden tests: the trajectory record (locally, and on a queue worker). */
export async function runRolloutEpisode(input: RolloutEpisodeInput): Promise<TrajectoryRecord> {
  const { exported, task, settings, episodeDirectory } = input;
  const startedAt = performance.now();
  const workdir = await createAgentWorkspace(exported, task, path.join(episodeDirectory, 'repo'));
  try {
    // A docker gym's shell runs in containers of its image, the workspace copied in and its changes copied back.
    const shellRuntime = await resolveGymRuntime(exported.gym, input.runtime);
    const episodeInput: EpisodeInput = {
      model: input.model,
      problemStatement: input.problemStatement,
      workdir,
      runtime: shellRuntime,
      runOptions: gymRunOptions(exported.gym, workdir, shellRuntime, 'workspace'),
      temperature: settings.temperature,
      ...(settings.maxRounds === undefined ? {} : { maxRounds: settings.maxRounds }),
      ...(settings.maxTotalTokens === undefined ? {} : { maxTotalTokens: settings.maxTotalTokens }),
      ...(settings.maxCostUsd === undefined ? {} : { maxCostUsd: settings.maxCostUsd }),
      ...(settings.commandTimeoutSeconds === undefined ? {} : { commandTimeoutSeconds: settings.commandTimeoutSeconds }),
    };
    const episode = await runEpisode(episodeInput);
    const patch = await diffWorkingCopy(workdir);
    const evaluation = await evaluatePatch(exported, input.evaluationRuntime ?? input.runtime, task, input.model.id, patch, path.join(episodeDirectory, 'test_output.txt'));
    return {
      format: TRAJECTORY_FORMAT,
      instance_id: task.instanceId,
      trial: input.trial,
      model: input.model.id,
      temperature: settings.temperature,
      tools: [...AGENT_TOOLS],
      messages: episode.messages,
      patch,
      exit_reason: episode.exitReason,
      ...(episode.finishMessage === undefined ? {} : { finish_message: episode.finishMessage }),
      rounds: episode.rounds,
      erroneous_turns: episode.erroneousTurns,
      usage: { input_tokens: episode.usage.inputTokens, output_tokens: episode.usage.outputTokens },
      cost_usd: episode.costUsd,
      evaluation,
      success: episode.exitReason === 'finished' && evaluation !== null && evaluation.passes_reference_fixed_tests,
      overhead_ms: episode.overheadMs,
      duration_ms: Math.round(performance.now() - startedAt),
      created_at: new Date().toISOString(),
      ...(episode.modelError ? { model_error: episode.modelError } : {}),
      sandbox: input.sandbox,
    };
  } finally {
    await rm(episodeDirectory, { recursive: true, force: true });
  }
}

async function evaluatePatch(
  exported: ExportedGym,
  runtime: Runtime,
  task: ExportedTask,
  model: string,
  patch: string,
  logPath: string,
): Promise<TrajectoryEvaluation | null> {
  if (patch.trim() === '') return null;
  const evaluation = await evaluateInstance({ exported, runtime, task, modelNameOrPath: model, patch, logPath });
  const passed = new Set(evaluation.passedTests);
  return {
    patch_applied: evaluation.patchApplied,
    resolved: evaluation.resolved,
    passes_reference_fixed_tests: evaluation.patchApplied && task.FAIL_TO_PASS.every((test) => passed.has(test)),
    fail_to_pass: evaluation.testsStatus.FAIL_TO_PASS,
    pass_to_pass: evaluation.testsStatus.PASS_TO_PASS,
    ...(evaluation.error ? { error: { code: evaluation.error.code, message: evaluation.error.message } } : {}),
  };
}

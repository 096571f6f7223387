import os from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import { hasLimits } from '../budget/budget-config.js';
import { BudgetGuard } from '../budget/budget-guard.js';
import { readRecordedSpend, saveRunStop, type RecordedStop } from '../budget/run-stop.js';
import type { LoadedRunConfig } from '../config/run-config.js';
import { SweMirrorError } from '../core/errors.js';
import type { ChatModel } from '../core/model.js';
import type { Runtime } from '../core/process.js';
import { planDuplicates } from '../dataset/dedup.js';
import { createModel, type CreateModelOptions } from '../llm/create-model.js';
import { describeModelPrice } from '../llm/prices.js';
import { resolveModelConfig, type ModelFlags } from '../llm/model-config.js';
import { planQueueRun, type RunQueueOptions } from '../queue/coordinator-settings.js';
import { queueMirrorStage } from '../queue/queue-mirror-stage.js';
import { createLocalRuntime } from '../runtime/local.js';
import { acquireExclusiveLock, type HeldLock } from '../store/exclusive-lock.js';
import { Store } from '../store/store.js';
import { collectIntoStore } from './collect-into-store.js';
import type { PipelineReporter } from './events.js';
import { exportFromStore, readStats, type StatsReport } from './export-from-store.js';
import { staleTasksError } from './stale-tasks.js';
import { filterStage } from './filter-stage.js';
import { judgeStage } from '../judge/judge-stage.js';
import { limitModel, limitRuntime } from './limits.js';
import { withLogFile } from './log-file.js';
import { mirrorStage } from './mirror-stage.js';
import { prepareGyms } from './prepare-gyms.js';
import { decideSandbox, type UnsafeNoSandboxSetting } from './sandbox-policy.js';
import { ensureWritableDirectory } from './writable-directory.js';

export interface RunPipelineOptions {
  loaded: LoadedRunConfig;
  reporter: PipelineReporter;
  /** Command-line model flags; they win over env vars and the config file. */
  modelFlags?: ModelFlags;
  /** Extra createModel options (record, replay, no cache). */
  modelOptions?: Pick<CreateModelOptions, 'recordPath' | 'replayPath'> & { noCache?: boolean };
  /** Inject a model or runtime (tests, embedding); default from the config. */
  model?: ChatModel;
  runtime?: Runtime;
  dataDirectory?: string;
  /** Skip the export step. */
  skipExport?: boolean;
  /** Run without a sandbox when none is available (--unsafe-no-sandbox); wins over the config key. */
  unsafeNoSandbox?: boolean;
  /** How the holder of the store lock is named to a second process; default `swe-mirror run`. */
  command?: string;
  /** Be the coordinator of a queue: mirror jobs go to `swe-mirror worker`s (docs/distributed.md). */
  queue?: RunQueueOptions;
}

export interface RunPipelineResult {
  stats: StatsReport;
  exportDirectory?: string;
  durationMs: number;
  /** Candidates that ended on an infrastructure error in this run and wait for the next one. */
  leftPending: number;
  /** The budget (limits:) that stopped the run, when one did; also kept in the store for `status`. */
  stoppedBy?: RecordedStop;
}

function buildModel(options: RunPipelineOptions): { model: ChatModel; isReplayed: boolean } {
  if (options.model) return { model: options.model, isReplayed: false };
  const { loaded } = options;
  const config = resolveModelConfig({ flags: options.modelFlags ?? {}, file: loaded.config.model, fileSource: loaded.configPath });
  const replayPath = options.modelOptions?.replayPath ?? (config.provider === 'replay' && config.replayFile ? loaded.resolvePath(config.replayFile) : undefined);
  const model = createModel(config, {
    ...(options.modelOptions?.noCache ? {} : { cacheDirectory: path.join(loaded.outputDirectory, 'llm-cache') }),
    ...(options.modelOptions?.recordPath ? { recordPath: options.modelOptions.recordPath } : {}),
    ...(replayPath ? { replayPath } : {}),
  });
  return { model, isReplayed: replayPath !== undefined };
}

/** The configured model's name when a spend cap is set but no price is known for it (a live endpoint only: replayed answers cost nothing anyway). */
export function unpricedModel(options: Pick<RunPipelineOptions, 'loaded' | 'modelFlags' | 'modelOptions'>): string | undefined {
  const limits = options.loaded.config.limits;
  if (limits.maxCostUsd === undefined && limits.maxCostUsdPerGym === undefined && limits.gyms === undefined) return undefined;
  const config = resolveModelConfig({ flags: options.modelFlags ?? {}, file: options.loaded.config.model, fileSource: options.loaded.configPath });
  if (config.provider === 'replay' || config.provider === 'scripted' || options.modelOptions?.replayPath) return undefined;
  return describeModelPrice(config.model, config.prices).source === 'unknown' ? config.model : undefined;
}

/** Lock the store and the output directory for this run, or refuse naming who holds them. */
export function lockRunState(input: { storePath: string; outputDirectory: string; command: string }): HeldLock[] {
  const locks: HeldLock[] = [];
  try {
    locks.push(acquireExclusiveLock(`${input.storePath}.lock`, { what: `The store ${input.storePath}`, command: input.command }));
    locks.push(acquireExclusiveLock(path.join(input.outputDirectory, '.swe-mirror.lock'), { what: `The output directory ${input.outputDirectory}`, command: input.command }));
  } catch (error) {
    for (const lock of locks) lock.release();
    throw error;
  }
  return locks;
}

/**
 * Run every stage: prepare gyms → collect → LLM filter → mirror + verify → dedup → export.
 * Every stage reads its work from the store and writes each result as it is known, so running
 * the same command again after a crash continues where it stopped.
 */
export async function runPipeline(options: RunPipelineOptions): Promise<RunPipelineResult> {
  const started = performance.now();
  const { loaded } = options;
  const config = loaded.config;
  const built = buildModel(options);
  // A coordinator checks its queue before any work, so an unreachable Redis fails in a second, not after preparing gyms.
  const queueSettings = options.queue ? await planQueueRun({ ...options, queue: options.queue }) : undefined;
  // Refuse before touching anything when LLM-written code would run unsandboxed (DESIGN section 3, rule 5).
  const sandbox = options.runtime
    ? undefined
    : await decideSandbox({ command: 'run', unsafeNoSandbox: options.unsafeNoSandbox || (config.unsafeNoSandbox as UnsafeNoSandboxSetting), isReplayedModel: built.isReplayed });
  ensureWritableDirectory(loaded.outputDirectory, 'The output directory');
  ensureWritableDirectory(path.dirname(loaded.storePath), 'The store directory');
  const locks = lockRunState({ storePath: loaded.storePath, outputDirectory: loaded.outputDirectory, command: options.command ?? 'swe-mirror run' });
  let store: Store | undefined;
  try {
    const reporter = withLogFile(options.reporter, path.join(loaded.outputDirectory, 'run.log'));
    if (sandbox?.warning) reporter.onEvent({ type: 'notice', message: sandbox.warning });
    store = Store.open(loaded.storePath);
    const testLimit = pLimit(loaded.testConcurrency);
    const modelLimit = pLimit(config.concurrency.model);
    const baseRuntime = options.runtime ?? createLocalRuntime({ sandbox: sandbox?.runtimeSandbox ?? 'auto' });
    const runtime = limitRuntime(baseRuntime, testLimit);
    const model = limitModel(built.model, modelLimit);
    const dataDirectory = options.dataDirectory ?? (config.dataDir ? loaded.resolvePath(config.dataDir) : undefined);
    const budget = hasLimits(config.limits) ? new BudgetGuard(config.limits, readRecordedSpend(store)) : undefined;
    if (budget) reporter.onEvent({ type: 'budget', spentUsd: budget.spentUsd(), ...(config.limits.maxCostUsd === undefined ? {} : { maxCostUsd: config.limits.maxCostUsd }) });
    const unpriced = budget && !options.model ? unpricedModel(options) : undefined;
    if (unpriced) reporter.onEvent({ type: 'notice', message: `warning: no price is known for ${unpriced}, so every call counts as $0 and no spend cap under limits: can stop this run; give model.prices in the config (docs/budgets.md).` });

    const gyms = await prepareGyms({ specPaths: loaded.gymSpecPaths, store, runtime: baseRuntime, ...(dataDirectory ? { dataDirectory } : {}), reporter });
    if (gyms.size === 0) {
      throw new SweMirrorError({
        code: 'NO_GYM_PREPARED',
        kind: 'user',
        message: 'No gym could be prepared, so there is nothing to mirror into.',
        hint: 'See the reasons above (also `swe-mirror status`); fix the gym specs and run again.',
      });
    }
    await collectIntoStore({ loaded, gyms, store, model, reporter });
    const filtered = config.filter.llm ? await filterStage({ gyms, store, model, concurrency: config.concurrency.model, reporter, ...(budget ? { budget } : {}) }) : { leftPending: 0 };
    // Candidates in flight: enough to keep both the model and the test runners busy.
    const candidateConcurrency = Math.max(1, Math.min(config.concurrency.model + loaded.testConcurrency, os.availableParallelism() * 2));
    const mirrored = options.queue && queueSettings
      ? await queueMirrorStage({
          location: options.queue.location,
          gyms,
          store,
          reporter,
          settings: queueSettings,
          ...(options.queue.maxInFlight ? { maxInFlight: options.queue.maxInFlight } : {}),
          ...(config.mirror.maxCandidatesPerGym ? { maxCandidatesPerGym: config.mirror.maxCandidatesPerGym } : {}),
          ...(budget ? { budget } : {}),
        })
      : await mirrorStage({
      gyms,
      store,
      model,
      runtime,
      concurrency: candidateConcurrency,
      retriesPerStep: config.mirror.retriesPerStep,
      samples: config.mirror.samples,
      ...(config.mirror.temperature === undefined ? {} : { temperature: config.mirror.temperature }),
      verify: { strict: config.verify.strict, repeats: config.verify.repeats, ...(config.verify.reruns === undefined ? {} : { reruns: config.verify.reruns }), unsafeNoSandbox: sandbox?.record.unsafeNoSandbox ?? false },
      ...(config.mirror.maxCandidatesPerGym ? { maxCandidatesPerGym: config.mirror.maxCandidatesPerGym } : {}),
      logDirectory: path.join(loaded.outputDirectory, 'logs'),
      reporter,
      ...(budget ? { budget } : {}),
    });
    reporter.onEvent({ type: 'stage-start', stage: 'dedup', total: 1 });
    const marks = planDuplicates(store.listTasks());
    store.markDuplicates(marks);
    reporter.onEvent({ type: 'stage-done', stage: 'dedup', summary: `${marks.length} duplicates removed` });

    // The faithfulness judge (mirror.judge, implied by mirror.minConsistency): after dedup, so duplicates cost nothing.
    const shouldJudge = config.mirror.judge || config.mirror.minConsistency !== undefined;
    const judged = shouldJudge ? await judgeStage({ store, model, concurrency: config.concurrency.model, reporter, ...(budget ? { budget } : {}) }) : { leftPending: 0 };
    const leftPending = filtered.leftPending + mirrored.leftPending + judged.leftPending;
    const stoppedBy: RecordedStop | undefined = budget?.stop ? { ...budget.stop, leftPending, stoppedGyms: budget.stoppedGymNames() } : undefined;
    saveRunStop(store, stoppedBy);
    if (stoppedBy) reporter.onEvent({ type: 'notice', message: `${stoppedBy.message} ${leftPending} candidate(s) or task(s) left pending; raise the limit under limits: and run again to continue.` });


    let exportDirectory: string | undefined;
    if (!options.skipExport) {
      reporter.onEvent({ type: 'stage-start', stage: 'export', total: 1 });
      // A run still finishes when some tasks were verified on an older gym commit: they are left out, said here.
      const result = await exportFromStore(store, loaded.outputDirectory, { listsAsJsonStrings: config.export.listsAsJsonStrings, ...(config.mirror.minConsistency ? { minConsistency: config.mirror.minConsistency } : {}), stale: 'leave-out' });
      if (result.staleLeftOut.length > 0) reporter.onEvent({ type: 'notice', message: staleTasksError(result.staleLeftOut).describe().replace('--reverify', '`swe-mirror export --reverify`') + ' They were left out of this export.' });
      exportDirectory = loaded.outputDirectory;
      reporter.onEvent({ type: 'stage-done', stage: 'export', summary: `${result.taskCount} tasks → ${result.sweBenchFile}` });
    }
    return {
      stats: readStats(store),
      ...(exportDirectory ? { exportDirectory } : {}),
      durationMs: performance.now() - started,
      leftPending,
      ...(stoppedBy ? { stoppedBy } : {}),
    };
  } finally {
    store?.close();
    for (const lock of locks.reverse()) lock.release();
  }
}

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SweMirrorError, isSweMirrorError, type ErrorKind } from '../core/errors.js';
import { runGit } from '../core/git.js';
import type { Runtime } from '../core/process.js';
import { applyPatch } from '../edits/patch.js';
import type { GymPrepareEvent } from '../gym/prepare.js';
import { resetGymWorkingCopy } from '../gym/reset.js';
import { leaseWorkingCopy } from '../gym/working-copies.js';
import { runSuite } from '../gym/run-suite.js';
import type { PreparedGym } from '../gym/types.js';
import { createLocalRuntime } from '../runtime/local.js';
import { compareStatuses, type TestDisagreement, type ValidationState } from './compare-statuses.js';
import { hasCommit, prepareExportedGym, type ExportedGym } from './prepare-exported-gym.js';
import { isExportedTask, readExportedTasks, type ExportedTask } from './read-exported-tasks.js';

/** Why a task (or a whole gym) could not be re-verified, as plain data. */
export interface ValidationError {
  code: string;
  kind: ErrorKind;
  message: string;
  hint?: string;
}

/** The re-verification of one exported task. */
export interface TaskValidation {
  /** The record's instance id; `line <n>` when the line is unreadable. */
  instanceId: string;
  line: number;
  gym: string | undefined;
  /** Every listed test behaved as the record says, in both states. */
  agreed: boolean;
  disagreements: TestDisagreement[];
  /** Set when the task could not be re-verified at all (then `agreed` is false). */
  error?: ValidationError;
  /** Listed tests the fresh baseline found flaky: still checked, reported so a disagreement can be read in that light. */
  quarantinedTests: string[];
  durationsMs: { beforeFix: number; afterFix: number; total: number };
  /** Suite logs; they outlive the run only when a data directory was given. */
  logPaths: Partial<Record<ValidationState, string>>;
}

/** One gym of the export, prepared from its bundle. */
export interface GymValidation {
  name: string;
  prepared: boolean;
  commit?: string;
  bundlePath?: string;
  durationMs: number;
  error?: ValidationError;
}

export interface ValidateExportResult {
  tasksFile: string;
  tasks: TaskValidation[];
  gyms: GymValidation[];
  total: number;
  agreed: number;
  /** Ran, but some listed test contradicted the record. */
  disagreed: number;
  /** Could not be re-verified: unreadable line, missing bundle, patch that does not apply, suite without evidence. */
  errored: number;
  /** agreed / total × 100. */
  agreementPercent: number;
  durationMs: number;
}

export type ValidateExportEvent =
  | { type: 'gym-preparing'; gym: string; tasks: number }
  | { type: 'gym-prepare'; gym: string; event: GymPrepareEvent }
  | { type: 'gym-prepared'; gym: string; commit: string; durationMs: number }
  | { type: 'gym-failed'; gym: string; error: ValidationError }
  | { type: 'task-done'; task: TaskValidation; done: number; total: number };

export interface ValidateExportInput {
  tasksFile: string;
  /** Prepare gyms here and keep them (a rerun reuses them); default a fresh temporary directory, removed afterwards. */
  dataDirectory?: string;
  runtime?: Runtime;
  /** Baseline runs when preparing; default the exported spec's baselineRuns. */
  baselineRuns?: number;
  onEvent?: (event: ValidateExportEvent) => void;
}

function toValidationError(error: unknown): ValidationError {
  if (isSweMirrorError(error)) return { code: error.code, kind: error.kind, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
  return { code: 'INTERNAL', kind: 'internal', message: error instanceof Error ? error.message : String(error) };
}

function failedTask(line: number, instanceId: string | undefined, gym: string | undefined, error: ValidationError): TaskValidation {
  return {
    instanceId: instanceId ?? `line ${line}`,
    line,
    gym,
    agreed: false,
    disagreements: [],
    error,
    quarantinedTests: [],
    durationsMs: { beforeFix: 0, afterFix: 0, total: 0 },
    logPaths: {},
  };
}

/**
 * Make sure the task's buggy (materialized) commit is in the working copy, fetching the bundle's tags when it
 * is not. Shared by validate-export, evaluate and the rollout workspace.
 */
export async function ensureBaseCommit(exported: ExportedGym, task: ExportedTask, workdir: string): Promise<void> {
  if (await hasCommit(workdir, task.baseCommit)) return;
  await runGit(workdir, ['fetch', '-q', exported.clone, '+refs/tags/*:refs/tags/*']);
  if (await hasCommit(workdir, task.baseCommit)) return;
  throw new SweMirrorError({
    code: 'EXPORT_BASE_COMMIT_MISSING',
    kind: 'user',
    message: `base_commit ${task.baseCommit} of ${task.instanceId} is not in ${exported.bundlePath}.`,
    hint: 'The record and the bundle come from different exports; export again so they match.',
  });
}

async function runState(
  gym: PreparedGym,
  runtime: Runtime,
  task: ExportedTask,
  state: ValidationState,
  logPath: string,
  workdir: string,
): Promise<{ disagreements: TestDisagreement[]; durationMs: number }> {
  const run = await runSuite(gym, { runtime, logPath, workdir });
  if (!run.report.hasEvidence) {
    const why = run.process.timedOut ? 'timed out' : run.process.outOfMemory ? 'ran out of memory' : `exited with ${run.process.exitCode ?? run.process.signal}`;
    throw new SweMirrorError({
      code: 'VALIDATE_NO_EVIDENCE',
      kind: 'infrastructure',
      message: `The suite run ${state} of ${task.instanceId} shows no evidence that the tests ran (it ${why}; ${run.report.warnings.join('; ') || 'no report'}).`,
      hint: `Read the log ${logPath}; a patch may break the build, or the gym's install may be incomplete.`,
    });
  }
  return { disagreements: compareStatuses(state, task, run.report.tests), durationMs: run.process.durationMs };
}

/** Re-verify one task on a prepared gym: buggy commit + test.patch, then + the fix. */
async function validateTask(exported: ExportedGym, runtime: Runtime, task: ExportedTask): Promise<TaskValidation> {
  const { gym } = exported;
  const startedAt = performance.now();
  const logDirectory = path.join(gym.directory, 'logs', 'validate-export');
  await mkdir(logDirectory, { recursive: true });
  const safeId = task.instanceId.replace(/[^\w.-]+/g, '_');
  const logPaths = { 'before-fix': path.join(logDirectory, `${safeId}-before-fix.log`), 'after-fix': path.join(logDirectory, `${safeId}-after-fix.log`) };
  const listed = new Set([...task.FAIL_TO_PASS, ...task.PASS_TO_PASS]);
  const quarantinedTests = gym.baseline.quarantined.filter((test) => listed.has(test));
  const durationsMs = { beforeFix: 0, afterFix: 0, total: 0 };
  const result = { instanceId: task.instanceId, line: task.line, gym: task.gym, quarantinedTests, durationsMs };
  const lease = await leaseWorkingCopy(gym);
  const { workdir } = lease;
  try {
    await ensureBaseCommit(exported, task, workdir);
    await resetGymWorkingCopy(gym, workdir, task.baseCommit);
    await applyPatch(workdir, task.testPatch, { label: `test_patch of ${task.instanceId}` });
    const before = await runState(gym, runtime, task, 'before-fix', logPaths['before-fix'], workdir);
    durationsMs.beforeFix = before.durationMs;
    await applyPatch(workdir, task.patch, { label: `patch (the fix) of ${task.instanceId}` });
    const after = await runState(gym, runtime, task, 'after-fix', logPaths['after-fix'], workdir);
    durationsMs.afterFix = after.durationMs;
    const disagreements = [...before.disagreements, ...after.disagreements];
    durationsMs.total = Math.round(performance.now() - startedAt);
    return { ...result, agreed: disagreements.length === 0, disagreements, logPaths };
  } catch (error) {
    durationsMs.total = Math.round(performance.now() - startedAt);
    return { ...result, agreed: false, disagreements: [], error: toValidationError(error), logPaths };
  } finally {
    await lease.release();
  }
}

/**
 * Re-verify exported tasks from scratch, independently of the store: each gym is prepared afresh from the
 * export's bundle and spec, then every task's FAIL_TO_PASS must fail before the fix and pass after it, and its
 * PASS_TO_PASS must pass in both states. One bad task or gym never stops the others.
 */
export async function validateExport(input: ValidateExportInput): Promise<ValidateExportResult> {
  const startedAt = performance.now();
  const emit = input.onEvent ?? (() => undefined);
  const tasksFile = path.resolve(input.tasksFile);
  const exportDirectory = path.dirname(tasksFile);
  const entries = await readExportedTasks(tasksFile);
  const runtime = input.runtime ?? createLocalRuntime();
  const results: TaskValidation[] = [];
  const gyms: GymValidation[] = [];
  const finish = (task: TaskValidation): void => {
    results.push(task);
    emit({ type: 'task-done', task, done: results.length, total: entries.length });
  };

  for (const entry of entries) if (!isExportedTask(entry)) finish(failedTask(entry.line, entry.instanceId, undefined, toValidationError(entry.error)));
  const byGym = new Map<string, ExportedTask[]>();
  for (const entry of entries) if (isExportedTask(entry)) byGym.set(entry.gym, [...(byGym.get(entry.gym) ?? []), entry]);

  // Without a data directory everything is prepared afresh in a temporary one, removed at the end.
  const temporaryRoot = input.dataDirectory ? undefined : await mkdtemp(path.join(tmpdir(), 'swe-mirror-validate-'));
  const dataDirectory = temporaryRoot ? path.join(temporaryRoot, 'data') : path.resolve(input.dataDirectory as string);
  const workDirectory = temporaryRoot ? path.join(temporaryRoot, 'clones') : path.join(dataDirectory, 'validate-export');
  try {
    for (const [gymName, tasks] of byGym) {
      const gymStartedAt = performance.now();
      emit({ type: 'gym-preparing', gym: gymName, tasks: tasks.length });
      let exported: ExportedGym;
      try {
        exported = await prepareExportedGym({
          exportDirectory,
          gymName,
          workDirectory,
          dataDirectory,
          runtime,
          fallbackCommit: tasks.find((task) => task.gymCommit)?.gymCommit,
          ...(input.baselineRuns === undefined ? {} : { baselineRuns: input.baselineRuns }),
          onEvent: (event) => emit({ type: 'gym-prepare', gym: gymName, event }),
        });
      } catch (cause) {
        const error = toValidationError(cause);
        gyms.push({ name: gymName, prepared: false, durationMs: Math.round(performance.now() - gymStartedAt), error });
        emit({ type: 'gym-failed', gym: gymName, error });
        const gymError = { ...error, message: `gym ${gymName} could not be prepared: ${error.message}` };
        for (const task of tasks) finish(failedTask(task.line, task.instanceId, gymName, gymError));
        continue;
      }
      const durationMs = Math.round(performance.now() - gymStartedAt);
      gyms.push({ name: gymName, prepared: true, commit: exported.gym.commit, bundlePath: exported.bundlePath, durationMs });
      emit({ type: 'gym-prepared', gym: gymName, commit: exported.gym.commit, durationMs });
      for (const task of tasks) finish(await validateTask(exported, runtime, task));
    }
  } finally {
    if (temporaryRoot) await rm(temporaryRoot, { recursive: true, force: true });
  }

  results.sort((left, right) => left.line - right.line);
  const agreed = results.filter((task) => task.agreed).length;
  const errored = results.filter((task) => task.error !== undefined).length;
  return {
    tasksFile,
    tasks: results,
    gyms,
    total: results.length,
    agreed,
    disagreed: results.length - agreed - errored,
    errored,
    agreementPercent: results.length === 0 ? 0 : (agreed / results.length) * 100,
    durationMs: Math.round(performance.now() - startedAt),
  };
}

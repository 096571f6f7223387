import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { isSweMirrorError, type ErrorKind } from '../core/errors.js';
import { runGit, runGitRaw } from '../core/git.js';
import type { Runtime } from '../core/process.js';
import type { SandboxRecord } from '../core/records.js';
import type { TestStatusMap } from '../core/tests.js';
import { applyPatch, listPatchFiles, type PatchMethod } from '../edits/patch.js';
import { resetWorkingCopy } from '../gym/reset.js';
import { runSuite } from '../gym/run-suite.js';
import { leaseWorkingCopy } from '../gym/working-copies.js';
import type { ExportedGym } from '../validate/prepare-exported-gym.js';
import { ensureBaseCommit } from '../validate/validate-export.js';
import type { ExportedTask } from '../validate/read-exported-tasks.js';
import { gradeRun, passedTests, type ResolutionStatus, type TestsStatus } from './grade.js';

/** Why an instance could not be evaluated, as plain data. */
export interface EvaluationError {
  code: string;
  kind: ErrorKind;
  message: string;
}

/** The evaluation of one candidate patch on one task. */
export interface InstanceEvaluation {
  instanceId: string;
  modelNameOrPath: string;
  patchExists: boolean;
  patchApplied: boolean;
  applyMethod?: PatchMethod;
  resolved: boolean;
  resolution: ResolutionStatus;
  testsStatus: TestsStatus;
  /** False when the suite left no evidence that tests ran (a patch can break the build); graded as all failed. */
  testsRan: boolean;
  /** Every test the suite passed with the patch and the hidden tests applied. */
  passedTests: string[];
  /** Set when the patch did not apply, or the evaluation could not finish. */
  error?: EvaluationError;
  durationMs: number;
  logPath?: string;
  /** How the run that made this evaluation was isolated (set by `evaluatePredictions`). */
  sandbox?: SandboxRecord;
}

export interface EvaluateInstanceInput {
  exported: ExportedGym;
  runtime: Runtime;
  task: ExportedTask;
  modelNameOrPath: string;
  patch: string;
  /** Where the suite's output is written. */
  logPath: string;
}

function toEvaluationError(error: unknown): EvaluationError {
  if (isSweMirrorError(error)) return { code: error.code, kind: error.kind, message: error.message };
  return { code: 'INTERNAL', kind: 'internal', message: error instanceof Error ? error.message : String(error) };
}

/** The report of a candidate that never reached the suite. */
function unevaluated(task: ExportedTask, modelNameOrPath: string, startedAt: number, fields: { patchExists: boolean; error?: EvaluationError }): InstanceEvaluation {
  const grade = gradeRun(task, {});
  return {
    instanceId: task.instanceId,
    modelNameOrPath,
    patchExists: fields.patchExists,
    patchApplied: false,
    resolved: false,
    resolution: grade.resolution,
    testsStatus: grade.testsStatus,
    testsRan: false,
    passedTests: [],
    ...(fields.error ? { error: fields.error } : {}),
    durationMs: Math.round(performance.now() - startedAt),
  };
}

/** The evaluation of an empty prediction: nothing to apply, nothing to run, not resolved. */
export function evaluateEmptyPatch(task: ExportedTask, modelNameOrPath: string): InstanceEvaluation {
  return unevaluated(task, modelNameOrPath, performance.now(), { patchExists: false });
}

/** Put every file the hidden test patch touches back as it is at the buggy commit, as SWE-bench's eval script does. */
export async function restoreTestFiles(workdir: string, baseCommit: string, testPatch: string): Promise<void> {
  for (const file of listPatchFiles(testPatch)) {
    const atBase = await runGitRaw(workdir, ['cat-file', '-e', `${baseCommit}:${file}`]);
    if (atBase.exitCode === 0) await runGit(workdir, ['checkout', baseCommit, '--', file]);
    else if (existsSync(path.join(workdir, file))) await rm(path.join(workdir, file), { force: true });
  }
}

/**
 * Evaluate one candidate patch: on a leased working copy at the task's buggy commit, apply the patch,
 * restore the files the hidden test patch touches, apply it, run the suite and grade the lists.
 * A patch that does not apply is a result (patchApplied false), never a throw; infrastructure failures throw.
 */
export async function evaluateInstance(input: EvaluateInstanceInput): Promise<InstanceEvaluation> {
  const startedAt = performance.now();
  const { exported, task } = input;
  if (input.patch.trim() === '') return evaluateEmptyPatch(task, input.modelNameOrPath);
  const lease = await leaseWorkingCopy(exported.gym);
  const { workdir } = lease;
  try {
    await ensureBaseCommit(exported, task, workdir);
    await resetWorkingCopy(workdir, task.baseCommit);
    let applyMethod: PatchMethod;
    try {
      applyMethod = (await applyPatch(workdir, input.patch, { label: `model_patch of ${task.instanceId}` })).method;
    } catch (error) {
      if (isSweMirrorError(error) && error.kind === 'user') return unevaluated(task, input.modelNameOrPath, startedAt, { patchExists: true, error: toEvaluationError(error) });
      throw error;
    }
    await restoreTestFiles(workdir, task.baseCommit, task.testPatch);
    await applyPatch(workdir, task.testPatch, { label: `test_patch of ${task.instanceId}` });
    const run = await runSuite(exported.gym, { runtime: input.runtime, workdir, logPath: input.logPath });
    const statuses: TestStatusMap = run.report.hasEvidence ? run.report.tests : {};
    const grade = gradeRun(task, statuses);
    return {
      instanceId: task.instanceId,
      modelNameOrPath: input.modelNameOrPath,
      patchExists: true,
      patchApplied: true,
      applyMethod,
      resolved: grade.resolved,
      resolution: grade.resolution,
      testsStatus: grade.testsStatus,
      testsRan: run.report.hasEvidence,
      passedTests: passedTests(statuses),
      durationMs: Math.round(performance.now() - startedAt),
      logPath: input.logPath,
    };
  } finally {
    await lease.release();
  }
}

import type { SandboxRecord } from '../core/records.js';
import type { InstanceEvaluation } from './evaluate-instance.js';

/** How a run was isolated, as reports and trajectories write it (the exported tasks' `sandbox` shape). */
export interface SandboxReport {
  isolated: boolean;
  /** The user ran it without a sandbox on purpose (--unsafe-no-sandbox). */
  unsafe_no_sandbox: boolean;
  missing: string[];
}

export function toSandboxReport(sandbox: SandboxRecord): SandboxReport {
  return { isolated: sandbox.isolated, unsafe_no_sandbox: sandbox.unsafeNoSandbox, missing: [...sandbox.missing] };
}
import type { TestsStatus } from './grade.js';

/** One instance's entry in SWE-bench's report.json (the file is an object keyed by instance id). */
export interface SweBenchInstanceReport {
  patch_is_None: boolean;
  patch_exists: boolean;
  patch_successfully_applied: boolean;
  resolved: boolean;
  tests_status: TestsStatus;
  /** swe-mirror's addition: how the run was isolated (absent in evaluations made before it was recorded). */
  sandbox?: SandboxReport;
}

/** SWE-bench's report.json for one instance: `{ "<instance_id>": { patch_exists, ..., tests_status } }`. */
export function toSweBenchReport(evaluation: InstanceEvaluation): Record<string, SweBenchInstanceReport> {
  return {
    [evaluation.instanceId]: {
      patch_is_None: !evaluation.patchExists,
      patch_exists: evaluation.patchExists,
      patch_successfully_applied: evaluation.patchApplied,
      resolved: evaluation.resolved,
      tests_status: evaluation.testsStatus,
      ...(evaluation.sandbox ? { sandbox: toSandboxReport(evaluation.sandbox) } : {}),
    },
  };
}

/** SWE-bench's run summary (`<model>.<run_id>.json`, schema_version 2), plus the resolve rate over all tasks. */
export interface EvaluationSummary {
  model_name_or_path: string;
  run_id: string;
  total_instances: number;
  submitted_instances: number;
  completed_instances: number;
  resolved_instances: number;
  unresolved_instances: number;
  empty_patch_instances: number;
  error_instances: number;
  /** resolved_instances / total_instances: unsubmitted, empty and errored instances count as failures. */
  resolve_rate: number;
  completed_ids: string[];
  incomplete_ids: string[];
  empty_patch_ids: string[];
  submitted_ids: string[];
  resolved_ids: string[];
  unresolved_ids: string[];
  error_ids: string[];
  schema_version: 2;
  /** swe-mirror's addition: how this evaluation run was isolated. */
  sandbox?: SandboxReport;
}

export interface SummarizeInput {
  modelNameOrPath: string;
  runId: string;
  /** Every task of the dataset (the denominator). */
  taskIds: string[];
  submittedIds: string[];
  evaluations: InstanceEvaluation[];
  /** Predictions whose evaluation could not finish (infrastructure). */
  failedIds: string[];
  sandbox?: SandboxRecord;
}

const sorted = (ids: Iterable<string>): string[] => [...new Set(ids)].sort();

/**
 * Count as SWE-bench's make_run_report does: completed = the suite ran on the applied patch; error = the patch
 * did not apply or the evaluation failed; empty = nothing submitted in the patch; the rate is over every task.
 */
export function summarizeEvaluations(input: SummarizeInput): EvaluationSummary {
  const completed = input.evaluations.filter((evaluation) => evaluation.patchApplied);
  const resolved = completed.filter((evaluation) => evaluation.resolved);
  const empty = input.evaluations.filter((evaluation) => !evaluation.patchExists);
  const errored = [...input.evaluations.filter((evaluation) => evaluation.patchExists && !evaluation.patchApplied).map((evaluation) => evaluation.instanceId), ...input.failedIds];
  const completedIds = sorted(completed.map((evaluation) => evaluation.instanceId));
  const completedSet = new Set(completedIds);
  const total = input.taskIds.length;
  return {
    model_name_or_path: input.modelNameOrPath,
    run_id: input.runId,
    total_instances: total,
    submitted_instances: sorted(input.submittedIds).length,
    completed_instances: completedIds.length,
    resolved_instances: resolved.length,
    unresolved_instances: completedIds.length - resolved.length,
    empty_patch_instances: empty.length,
    error_instances: sorted(errored).length,
    resolve_rate: total === 0 ? 0 : resolved.length / total,
    completed_ids: completedIds,
    incomplete_ids: sorted(input.taskIds.filter((id) => !completedSet.has(id))),
    empty_patch_ids: sorted(empty.map((evaluation) => evaluation.instanceId)),
    submitted_ids: sorted(input.submittedIds),
    resolved_ids: sorted(resolved.map((evaluation) => evaluation.instanceId)),
    unresolved_ids: sorted(completed.filter((evaluation) => !evaluation.resolved).map((evaluation) => evaluation.instanceId)),
    error_ids: sorted(errored),
    schema_version: 2,
    ...(input.sandbox ? { sandbox: toSandboxReport(input.sandbox) } : {}),
  };
}

// The library: everything the CLI does, for users who embed swe-mirror.
export * from './core/errors.js';
export * from './core/process.js';
export * from './core/tests.js';
export * from './core/records.js';
export * from './core/model.js';
export * from './config/gym-spec.js';
export * from './config/load-gym-spec.js';
export * from './config/run-config.js';
export { createLocalRuntime, type LocalRuntimeOptions } from './runtime/local.js';
export { prepareGym, loadPreparedGym, listPreparedGyms, type GymPrepareEvent, type PrepareGymOptions } from './gym/prepare.js';
export { resetWorkingCopy } from './gym/reset.js';
export { runSuite } from './gym/run-suite.js';
export { leaseWorkingCopy, withWorkingCopy, type WorkingCopyLease } from './gym/working-copies.js';
export type { PreparedGym, SuiteRun, GymBaseline } from './gym/types.js';
export { getReportParser, parseReport } from './reports/index.js';
export { applyPatch, checkPatch, invertPatch, listPatchFiles, classifyPatchFiles, assertPatchConfined, diffWorkingCopy } from './edits/patch.js';
export { applySearchReplaceBlocks, testFilesOnly, nonTestFilesOnly } from './edits/search-replace.js';
export { parseSearchReplaceBlocks } from './edits/search-replace-parse.js';
export { verifyTask, DEFAULT_REPEATS, DEFAULT_RERUNS, type VerifyTaskOptions, type VerifyEvent, type SuiteRunner } from './verify/verify-task.js';
export type { TaskPatches } from './verify/sanity.js';
export { judgeTask, type JudgeInput, type Judgement, type StateRunResult } from './verify/judge.js';
export * from './llm/index.js';
export { mirrorCandidate } from './mirror/mirror-candidate.js';
export type { MirrorInput, MirrorOutcome, AttemptLog } from './mirror/types.js';
export * from './sources/index.js';
export { Store, CANDIDATE_STAGES, type CandidateStage } from './store/store.js';
export { readFunnel, type Funnel } from './store/funnel.js';
export { planDuplicates } from './dataset/dedup.js';
export { computeLanguageStats, renderStats } from './dataset/stats.js';
export { exportDataset, type ExportOptions, type ExportResult } from './dataset/export.js';
export { taskTag } from './dataset/materialize.js';
export {
  validateExport,
  type ValidateExportInput,
  type ValidateExportResult,
  type ValidateExportEvent,
  type TaskValidation,
  type GymValidation,
  type ValidationError,
} from './validate/validate-export.js';
export { runPipeline, type RunPipelineOptions } from './pipeline/run-pipeline.js';
export { exportFromStore, readStats } from './pipeline/export-from-store.js';
export { createReporter } from './pipeline/reporters.js';
export { startViewer, createViewerApp, type ViewerOptions, type RunningViewer } from './viewer/server.js';
export { readAuditMarks, AUDIT_LABELS, type AuditMark, type AuditLabel } from './viewer/audit.js';

import type { StatsReport } from './export-from-store.js';

/** Pipeline stages as the reporter shows them. */
export const PIPELINE_STAGES = ['prepare', 'collect', 'filter', 'mirror', 'dedup', 'judge', 'export'] as const;
export type PipelineStage = (typeof PIPELINE_STAGES)[number];

export type PipelineEvent =
  | { type: 'stage-start'; stage: PipelineStage; total: number }
  | { type: 'item-start'; stage: PipelineStage; item: string }
  | { type: 'item-done'; stage: PipelineStage; item: string; outcome: 'ok' | 'lost' | 'failed'; detail?: string }
  | { type: 'stage-done'; stage: PipelineStage; summary: string }
  | { type: 'model-usage'; inputTokens: number; outputTokens: number; costUsd: number; cached: boolean }
  | { type: 'notice'; message: string }
  /** A queue run's job counts (`<prefix>:<name>`), sent when they change: jobs waiting, active, delayed, done by a worker and not yet written back, failed. */
  | { type: 'queue-counts'; queue: string; counts: QueueCounts }
  /** The budget at the start of a run: spend recorded so far (earlier runs into the store included) and the whole-run cap. */
  | { type: 'budget'; spentUsd: number; maxCostUsd?: number }
  /** The end of a run: what `swe-mirror run` prints as its table, as data (NDJSON) or text (plain, live). */
  | { type: 'summary'; tasks: number; leftPending: number; durationMs: number; exportDirectory?: string; stats: Omit<StatsReport, 'text'>; text: string };

/** One queue's job counts, as BullMQ reports them. */
export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  completed: number;
  failed: number;
}

/** Receives pipeline progress; the CLI picks a live, plain or NDJSON implementation. */
export interface PipelineReporter {
  onEvent(event: PipelineEvent): void;
  /** Called once at the end so a live view can restore the terminal. */
  close(): void;
}

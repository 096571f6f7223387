/** Pipeline stages as the reporter shows them. */
export const PIPELINE_STAGES = ['prepare', 'collect', 'filter', 'mirror', 'dedup', 'export'] as const;
export type PipelineStage = (typeof PIPELINE_STAGES)[number];

export type PipelineEvent =
  | { type: 'stage-start'; stage: PipelineStage; total: number }
  | { type: 'item-start'; stage: PipelineStage; item: string }
  | { type: 'item-done'; stage: PipelineStage; item: string; outcome: 'ok' | 'lost' | 'failed'; detail?: string }
  | { type: 'stage-done'; stage: PipelineStage; summary: string }
  | { type: 'model-usage'; inputTokens: number; outputTokens: number; costUsd: number; cached: boolean }
  | { type: 'notice'; message: string };

/** Receives pipeline progress; the CLI picks a live, plain or NDJSON implementation. */
export interface PipelineReporter {
  onEvent(event: PipelineEvent): void;
  /** Called once at the end so a live view can restore the terminal. */
  close(): void;
}

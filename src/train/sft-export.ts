import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomically, toJsonLines } from '../dataset/atomic-write.js';
import { isSuccessful, readTrajectories, type SuccessDefinition, type TrajectoryRecord } from '../agent/trajectory.js';
import { renderSftRow, SFT_FORMATS, type SftFormat } from './sft-formats.js';
import { applyStrategy, SFT_STRATEGIES, type SftStrategy } from './sft-strategies.js';

export interface SftExportInput {
  trajectoriesFile: string;
  outputDirectory: string;
  /** Default every strategy. */
  strategies?: readonly SftStrategy[];
  /** Default every format. */
  formats?: readonly SftFormat[];
  /** Keep only successful trajectories by this definition; `all` keeps every one. Default `paper`. */
  success?: SuccessDefinition | 'all';
}

export interface SftExportFile {
  strategy: SftStrategy;
  format: SftFormat;
  file: string;
  rows: number;
  trainedTurns: number;
  untrainedTurns: number;
}

export interface SftExportResult {
  trajectories: number;
  kept: number;
  files: SftExportFile[];
}

/** Keep the trajectories that pass the success filter. */
export function filterTrajectories(records: readonly TrajectoryRecord[], success: SuccessDefinition | 'all'): TrajectoryRecord[] {
  return success === 'all' ? [...records] : records.filter((record) => isSuccessful(record, success));
}

/** Write `<output>/<strategy>/<format>.jsonl` for each strategy and format, from the kept trajectories. */
export async function exportSft(input: SftExportInput): Promise<SftExportResult> {
  const records = await readTrajectories(input.trajectoriesFile);
  const kept = filterTrajectories(records, input.success ?? 'paper');
  const files: SftExportFile[] = [];
  for (const strategy of input.strategies ?? SFT_STRATEGIES) {
    const planned = kept.map((record) => ({ record, weighted: applyStrategy(record.messages, strategy) }));
    const assistants = planned.flatMap(({ weighted }) => weighted.filter(({ message }) => message.role === 'assistant'));
    for (const format of input.formats ?? SFT_FORMATS) {
      const file = path.join(input.outputDirectory, strategy, `${format}.jsonl`);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFileAtomically(file, toJsonLines(planned.map(({ record, weighted }) => renderSftRow(record, weighted, format))));
      files.push({ strategy, format, file, rows: planned.length, trainedTurns: assistants.filter((entry) => entry.isTrained).length, untrainedTurns: assistants.filter((entry) => !entry.isTrained).length });
    }
  }
  return { trajectories: records.length, kept: kept.length, files };
}

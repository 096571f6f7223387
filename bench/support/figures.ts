import { appendFileSync } from 'node:fs';
import path from 'node:path';

/** One headline figure of a benchmark, as `npm run bench` tabulates it. */
export interface BenchFigure {
  measure: string;
  /** The figure as printed, units included: `36.6 ms`, `0.027`. */
  value: string;
  /** The target as printed (`< 200 ms`); absent for figures that are only reported. */
  target?: string;
  /** Whether the target was met; absent when there is no target. */
  isMet?: boolean;
}

/** The variable through which bench/run-all.ts asks each benchmark for its figures (a JSON-lines file). */
export const FIGURES_FILE_VARIABLE = 'SWE_MIRROR_BENCH_FIGURES';

/** Record a figure for the summary table; a benchmark run on its own prints its own lines and this does nothing. */
export function recordFigure(benchFile: string, figure: BenchFigure): void {
  const file = process.env[FIGURES_FILE_VARIABLE];
  if (!file) return;
  appendFileSync(file, `${JSON.stringify({ bench: path.basename(benchFile), ...figure })}\n`);
}

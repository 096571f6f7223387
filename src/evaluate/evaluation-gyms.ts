import path from 'node:path';
import { isSweMirrorError } from '../core/errors.js';
import type { Runtime } from '../core/process.js';
import { prepareExportedGym, type ExportedGym } from '../validate/prepare-exported-gym.js';
import type { ExportedTask } from '../validate/read-exported-tasks.js';
import type { EvaluationError } from './evaluate-instance.js';

export type EvaluationGymEvent =
  | { type: 'gym-preparing'; gym: string; tasks: number }
  | { type: 'gym-prepared'; gym: string; commit: string; durationMs: number }
  | { type: 'gym-failed'; gym: string; error: EvaluationError };

/** A gym of the export, prepared (or the reason it could not be). */
export interface EvaluationGym {
  exported?: ExportedGym;
  error?: EvaluationError;
}

export interface PrepareEvaluationGymsInput {
  exportDirectory: string;
  tasksByGym: Map<string, ExportedTask[]>;
  dataDirectory: string;
  runtime: Runtime;
  baselineRuns?: number;
  onEvent?: (event: EvaluationGymEvent) => void;
}

/** Prepare each gym the tasks need from the export's bundle, as validate-export does; a gym that fails is reported, not thrown. */
export async function prepareEvaluationGyms(input: PrepareEvaluationGymsInput): Promise<Map<string, EvaluationGym>> {
  const emit = input.onEvent ?? (() => undefined);
  const gyms = new Map<string, EvaluationGym>();
  for (const [gymName, tasks] of input.tasksByGym) {
    const startedAt = performance.now();
    emit({ type: 'gym-preparing', gym: gymName, tasks: tasks.length });
    try {
      const exported = await prepareExportedGym({
        exportDirectory: input.exportDirectory,
        gymName,
        workDirectory: path.join(input.dataDirectory, 'exported-gyms'),
        dataDirectory: input.dataDirectory,
        runtime: input.runtime,
        fallbackCommit: tasks.find((task) => task.gymCommit)?.gymCommit,
        ...(input.baselineRuns === undefined ? {} : { baselineRuns: input.baselineRuns }),
      });
      gyms.set(gymName, { exported });
      emit({ type: 'gym-prepared', gym: gymName, commit: exported.gym.commit, durationMs: Math.round(performance.now() - startedAt) });
    } catch (cause) {
      const error: EvaluationError = isSweMirrorError(cause)
        ? { code: cause.code, kind: cause.kind, message: `gym ${gymName} could not be prepared: ${cause.message}` }
        : { code: 'INTERNAL', kind: 'internal', message: `gym ${gymName} could not be prepared: ${String(cause)}` };
      gyms.set(gymName, { error });
      emit({ type: 'gym-failed', gym: gymName, error });
    }
  }
  return gyms;
}

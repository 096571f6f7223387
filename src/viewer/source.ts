import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { SweMirrorError } from '../core/errors.js';

/** What the viewer reads and where it keeps its audit marks. */
export interface ViewerSource {
  storePath: string;
  /** The run's output directory (holds the store and, after export, tasks.jsonl). */
  outputDirectory: string;
  /** The export's tasks.jsonl, when the directory has one. */
  exportedTasksPath?: string;
  /** The audit side file (written only by the viewer). */
  auditPath: string;
}

export const STORE_FILE_NAME = 'state.sqlite';
export const AUDIT_FILE_NAME = 'audit-labels.jsonl';

/** Resolve `swe-mirror view <target>`: an output directory holding state.sqlite, or a store file. */
export function resolveViewerSource(target: string, options: { auditPath?: string } = {}): ViewerSource {
  if (!existsSync(target)) {
    throw new SweMirrorError({
      code: 'VIEW_TARGET_NOT_FOUND',
      kind: 'user',
      message: `${target} does not exist.`,
      hint: 'Pass the output directory of a run (e.g. out/demo) or its state.sqlite; run `swe-mirror run --config <file>` first.',
    });
  }
  const isDirectory = statSync(target).isDirectory();
  const storePath = isDirectory ? path.join(target, STORE_FILE_NAME) : target;
  if (!existsSync(storePath)) {
    throw new SweMirrorError({
      code: 'VIEW_STORE_NOT_FOUND',
      kind: 'user',
      message: `${target} has no ${STORE_FILE_NAME}.`,
      hint: 'Pass the output directory of a `swe-mirror run` (the `output` of its config) or the store file itself.',
    });
  }
  const outputDirectory = path.resolve(isDirectory ? target : path.dirname(target));
  const exportedTasksPath = path.join(outputDirectory, 'tasks.jsonl');
  return {
    storePath: path.resolve(storePath),
    outputDirectory,
    ...(existsSync(exportedTasksPath) ? { exportedTasksPath } : {}),
    auditPath: path.resolve(options.auditPath ?? path.join(outputDirectory, AUDIT_FILE_NAME)),
  };
}

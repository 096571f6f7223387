import path from 'node:path';
import type { Runtime } from '../core/process.js';
import { resetGymWorkingCopy } from '../gym/reset.js';
import { runSuite } from '../gym/run-suite.js';
import type { PreparedGym, SuiteRun } from '../gym/types.js';

/** The working copy a mirroring attempt edits and runs in, with the gym it belongs to. */
export interface Workspace {
  gym: PreparedGym;
  runtime: Runtime;
  workdir: string;
  logDirectory?: string;
}

/** Back to the gym's pinned commit: tracked files restored, untracked ones removed, installs kept. */
export function resetWorkspace(workspace: Workspace): Promise<void> {
  return resetGymWorkingCopy(workspace.gym, workspace.workdir);
}

/** Run only these test files (the spec's filesCommand), logging under the attempt's log directory. */
export function runTestFiles(workspace: Workspace, files: string[], label: string): Promise<SuiteRun> {
  return runSuite(workspace.gym, {
    runtime: workspace.runtime,
    workdir: workspace.workdir,
    files,
    ...(workspace.logDirectory ? { logPath: path.join(workspace.logDirectory, `${label}.log`) } : {}),
  });
}

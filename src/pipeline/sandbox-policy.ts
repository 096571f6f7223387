import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { SweMirrorError } from '../core/errors.js';
import type { SandboxRecord } from '../core/records.js';
import { bubblewrapProgram } from '../runtime/bwrap-program.js';
import { isBubblewrapUsable, type SandboxChoice } from '../runtime/local.js';

/**
 * The opt-out setting: `false` (default) refuses to run LLM-written code without a sandbox; `true`
 * runs it anyway; `'replayed-models'` runs anyway only when every model answer is replayed from a
 * recording (the bundled offline demo), and refuses for a live model.
 */
export type UnsafeNoSandboxSetting = boolean | 'replayed-models';

export interface SandboxDecision {
  /** What to create the local runtime with: the sandbox required, or none at all. */
  runtimeSandbox: Extract<SandboxChoice, 'bwrap' | 'none'>;
  /** What every verdict and task records (the runtime adds what it reports missing). */
  record: Pick<SandboxRecord, 'isolated' | 'unsafeNoSandbox'>;
  /** Printed at start when the run goes ahead unsandboxed. */
  warning?: string;
}

export const INSTALL_BUBBLEWRAP_HINT =
  'Install bubblewrap (`apt-get install bubblewrap`) and allow unprivileged user namespaces ' +
  '(`sysctl kernel.unprivileged_userns_clone=1`; on Ubuntu 23.10+ also `sysctl kernel.apparmor_restrict_unprivileged_userns=0`)';

function isOnPath(program: string): boolean {
  const candidates = program.includes('/') ? [program] : (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((directory) => path.join(directory, program));
  return candidates.some((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Whether the bubblewrap program (`bubblewrapProgram()`) exists and can create a sandbox here. */
export async function isSandboxAvailable(): Promise<boolean> {
  // The program check makes SWE_MIRROR_BWRAP=/nonexistent decisive even where the runtime's own probe
  // does not read the override yet.
  if (!isOnPath(bubblewrapProgram())) return false;
  return isBubblewrapUsable();
}

/**
 * Decide whether a command that runs LLM-written code may start (DESIGN section 3, rule 5).
 * Refuses (SANDBOX_REQUIRED, a user error) when no sandbox can be created and the user did not opt out.
 */
export async function decideSandbox(input: {
  command: string;
  unsafeNoSandbox: UnsafeNoSandboxSetting;
  /** Every model answer comes from a recording (replay provider or --replay). */
  isReplayedModel: boolean;
  /** Inject the availability check (tests of the decision itself); default `isSandboxAvailable`. */
  isAvailable?: () => Promise<boolean>;
}): Promise<SandboxDecision> {
  const available = await (input.isAvailable ?? isSandboxAvailable)();
  if (available) return { runtimeSandbox: 'bwrap', record: { isolated: true, unsafeNoSandbox: false } };
  const optedOut = input.unsafeNoSandbox === true || (input.unsafeNoSandbox === 'replayed-models' && input.isReplayedModel);
  if (!optedOut) {
    const replayOnly = input.unsafeNoSandbox === 'replayed-models';
    throw new SweMirrorError({
      code: 'SANDBOX_REQUIRED',
      kind: 'user',
      message: `No sandbox: bubblewrap (${bubblewrapProgram()}) cannot create one on this machine, and \`swe-mirror ${input.command}\` does not run LLM-written code without one${
        replayOnly ? ' (the config allows that only for replayed model answers, and this model is live)' : ''
      }.`,
      hint: `${INSTALL_BUBBLEWRAP_HINT}; or pass --unsafe-no-sandbox to run without isolation (recorded in every verdict and exported task).`,
    });
  }
  const why = input.unsafeNoSandbox === true ? '--unsafe-no-sandbox' : 'unsafeNoSandbox: replayed-models, and every model answer is replayed';
  return {
    runtimeSandbox: 'none',
    record: { isolated: false, unsafeNoSandbox: true },
    warning:
      `warning: running WITHOUT a sandbox (${why}): test suites and model-written code run with your rights, your network and your files. ` +
      'Every verdict and exported task records sandbox.unsafeNoSandbox = true.',
  };
}

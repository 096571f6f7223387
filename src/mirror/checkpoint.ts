import type { GeneratedMirror } from './generate-mirror.js';
import type { GeneratedTests } from './generate-tests.js';
import type { AttemptLog, MirrorStep } from './types.js';

/**
 * What an attempt had finished when infrastructure trouble stopped it (endpoint down after the adapter's
 * retries, a disk error): kept in its attempt log, so a rerun continues at the step that was running,
 * without asking the model again or rerunning the checks of the steps before it.
 */
export interface MirrorCheckpoint {
  bugPattern?: string;
  localization?: { sourceFiles: string[]; testFiles: string[] };
  tests?: GeneratedTests;
  mirrorFiles?: string[];
  mirrors?: GeneratedMirror[];
}

/** Where an interrupted attempt stopped, as its log records it. */
export interface Interruption {
  step: MirrorStep;
  reason: string;
  at: string;
}

/**
 * The attempt a rerun continues from: an interrupted attempt of the same gym commit (its checked results
 * hold only for that tree); undefined when there is none to continue.
 */
export function resumableAttempt(previous: AttemptLog | undefined, gymCommit: string): AttemptLog | undefined {
  if (!previous?.interrupted || !previous.checkpoint || previous.gymCommit !== gymCommit) return undefined;
  return previous;
}

/** A new attempt log that carries the interrupted one's steps, calls, totals and checkpoint forward. */
export function continueAttemptLog(fresh: AttemptLog, previous: AttemptLog): AttemptLog {
  const copy = structuredClone(previous);
  return {
    ...fresh,
    startedAt: copy.startedAt,
    steps: copy.steps,
    calls: copy.calls,
    totals: copy.totals,
    checkpoint: copy.checkpoint ?? {},
    resumed: [...(copy.resumed ?? []), { step: copy.interrupted?.step ?? 'distill', at: fresh.startedAt }],
    ...(copy.bugPattern === undefined ? {} : { bugPattern: copy.bugPattern }),
    ...(copy.localization === undefined ? {} : { localization: copy.localization }),
    ...(copy.newTests === undefined ? {} : { newTests: copy.newTests }),
    ...(copy.failingTests === undefined ? {} : { failingTests: copy.failingTests }),
    ...(copy.commentsStripped === undefined ? {} : { commentsStripped: copy.commentsStripped }),
  };
}

import type { AttemptLog } from './types.js';

export type { Interruption, MirrorCheckpoint } from './types.js';

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

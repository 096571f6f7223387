import { SweMirrorError } from '../core/errors.js';
import { parseQueueLocation } from './connection.js';
import type { RunQueueOptions } from './coordinator-settings.js';

/** The queue flags of `run`. */
export interface QueueRunFlags {
  queue?: string;
  maxInFlight?: string;
  modelRate?: string;
}

/** Parse a positive number flag, naming the flag when it is not one. */
export function parsePositiveNumber(value: string, flag: string, isInteger = true): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0 || (isInteger && !Number.isInteger(number))) {
    throw new SweMirrorError({ code: 'FLAG_INVALID', kind: 'user', message: `${flag} ${JSON.stringify(value)} is not a positive ${isInteger ? 'whole ' : ''}number.`, hint: `Pass e.g. ${flag} 4.` });
  }
  return number;
}

/** `runPipeline`'s queue option from `run`'s flags; empty without --queue. */
export function queueOptionsFromFlags(flags: QueueRunFlags): { queue?: RunQueueOptions } {
  if (!flags.queue) return {};
  return {
    queue: {
      location: parseQueueLocation(flags.queue),
      ...(flags.maxInFlight ? { maxInFlight: parsePositiveNumber(flags.maxInFlight, '--max-in-flight') } : {}),
      ...(flags.modelRate ? { modelRateLimit: { perMinute: parsePositiveNumber(flags.modelRate, '--model-rate', false) } } : {}),
    },
  };
}

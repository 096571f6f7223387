/** Whose fault an error is: users fix config, models misbehave, infrastructure fails, or we have a bug. */
export type ErrorKind = 'user' | 'model' | 'infrastructure' | 'internal';

export interface SweMirrorErrorOptions {
  /** Stable, grep-able code such as `GYM_SPEC_INVALID`. */
  code: string;
  kind: ErrorKind;
  message: string;
  /** How to fix it, in one sentence, shown under the message. */
  hint?: string;
  cause?: unknown;
  details?: Record<string, unknown>;
}

/** The one error base class: a stable code, whose fault it is, and how to fix it. */
export class SweMirrorError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown>;

  constructor(options: SweMirrorErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SweMirrorError';
    this.code = options.code;
    this.kind = options.kind;
    this.hint = options.hint;
    this.details = options.details ?? {};
  }

  /** Message plus hint, as shown to a person. */
  describe(): string {
    return this.hint ? `${this.message}\n  hint: ${this.hint}` : this.message;
  }
}

export function isSweMirrorError(error: unknown): error is SweMirrorError {
  return error instanceof SweMirrorError;
}

/** Render any thrown value as a one-line message without a stack trace. */
export function describeError(error: unknown): string {
  if (isSweMirrorError(error)) return error.describe();
  if (error instanceof Error) return error.message;
  return String(error);
}

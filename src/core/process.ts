/** One result shape for every subprocess, successful or not. */
export interface ProcessResult {
  argv: string[];
  cwd: string;
  /** null when the process was killed by a signal. */
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  outOfMemory: boolean;
  durationMs: number;
  /** Captured output, decoded as UTF-8 with invalid bytes replaced, capped at `outputLimitBytes`. */
  stdout: string;
  stderr: string;
  outputTruncated: boolean;
  /** Where the full (capped) combined output was written, if anywhere. */
  logPath?: string;
  /** Protections that were requested but could not be applied, said plainly. */
  missingProtections: string[];
}

export interface RunOptions {
  cwd: string;
  /** Wall-time limit; the whole process tree is killed when it runs out. */
  timeoutMs: number;
  /** Address-space/memory limit for the process tree. */
  memoryBytes: number;
  env?: Record<string, string>;
  /** Network is off unless asked for (installs need it, tests do not). */
  allowNetwork?: boolean;
  /** Extra writable paths besides `cwd` and a private temp dir. */
  writablePaths?: string[];
  /** Cap for captured stdout+stderr; default 8 MiB. */
  outputLimitBytes?: number;
  /** Write combined output here as well. */
  logPath?: string;
  stdin?: string;
}

/** Runs untrusted commands (test suites, installs) with limits. */
export interface Runtime {
  readonly name: string;
  /** argv, never a shell string built by concatenation; use ['bash', '-c', specCommand] for spec commands. */
  run(argv: string[], options: RunOptions): Promise<ProcessResult>;
  /** What this runtime can and cannot enforce on this machine. */
  describeProtections(): Promise<{ applied: string[]; missing: string[] }>;
}

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
  /** The run hit its process-count limit (a fork bomb, or a suite that needs a higher `processLimit`). */
  processLimitReached?: boolean;
  /** Files named in `collect`, read after the run from what it left (undefined: absent, or not a regular file). */
  collected?: Record<string, Buffer | undefined>;
}

/**
 * A directory the run sees through a throw-away layer: `source` appears at `target` (default: the same path);
 * the run may write there, and nothing it writes reaches `source` or outlives the run ('overlay'). A 'writable'
 * layer is bound read-write instead: for preparation, where what the run writes is the point.
 */
export interface RunLayer {
  source: string;
  target?: string;
  mode?: 'overlay' | 'writable';
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
  /** Extra writable paths besides `cwd` and a private temp dir (bound read-write: what the run writes there stays). */
  writablePaths?: string[];
  /** Directories shown through layers (see RunLayer); `cwd` may lie inside one (as the run sees it, at the target). */
  layers?: RunLayer[];
  /** Paths, as the run sees them, to read back after the run (report files); they must lie inside a layer or `cwd`. */
  collect?: string[];
  /** Limit on processes and threads the run may hold at once; default 1024. */
  processLimit?: number;
  /** Cap for captured stdout+stderr; default 8 MiB. */
  outputLimitBytes?: number;
  /** Write combined output here as well. */
  logPath?: string;
  stdin?: string;
}

/** Runs untrusted commands (test suites, installs) with limits. */
export interface Runtime {
  readonly name: string;
  /**
   * Whether layers are mounted at their targets. When false (no sandbox), a layer's source is used in place,
   * at its own path, and what the run writes there stays: the caller must reset it.
   */
  readonly mountsLayers: boolean;
  /** argv, never a shell string built by concatenation; use ['bash', '-c', specCommand] for spec commands. */
  run(argv: string[], options: RunOptions): Promise<ProcessResult>;
  /** What this runtime can and cannot enforce on this machine. */
  describeProtections(): Promise<{ applied: string[]; missing: string[] }>;
}

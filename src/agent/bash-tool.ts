import type { RunOptions, Runtime } from '../core/process.js';
import { clipOutput } from './editor.js';
import type { BashAction } from './tool-calls.js';

const CWD_MARKER = '__SWE_MIRROR_AGENT_CWD__';

// Every command is its own sandboxed run: the working directory is carried over through a marker line,
// so `cd` persists between calls; the rest of the shell state (variables, jobs) does not.
const SCRIPT = `exec 2>&1
cd "$1" 2>/dev/null || cd "$2"
eval "$3"
status=$?
printf '\\n${CWD_MARKER}%s\\n' "$PWD"
exit $status`;

export interface BashToolOptions {
  runtime: Runtime;
  /** The gym's run options for the working copy (network off, limits, env). */
  runOptions: RunOptions;
  /** The repository root: the first working directory. */
  root: string;
  defaultTimeoutSeconds: number;
  outputLimit: number;
}

/** The result of one execute_bash call, as the model reads it and as the trajectory keeps it. */
export interface BashObservation {
  text: string;
  exitCode: number | null;
  timedOut: boolean;
  /** A call the tool refused (is_input with no running process): an erroneous turn. */
  isRejected: boolean;
}

/** execute_bash through the Runtime: `bash -c` in the sandbox, network off, a per-command timeout, output clipped. */
export class BashTool {
  private cwd: string;

  constructor(private readonly options: BashToolOptions) {
    this.cwd = options.root;
  }

  async run(action: BashAction): Promise<BashObservation> {
    if (action.isInput) {
      return { text: 'ERROR:\nNo previous running command to interact with: every command runs to completion (or its timeout) on its own.', exitCode: null, timedOut: false, isRejected: true };
    }
    if (action.command.trim() === '') {
      return { text: 'ERROR:\nNo previous running command to retrieve logs from.', exitCode: null, timedOut: false, isRejected: true };
    }
    const timeoutSeconds = Math.min(action.timeoutSeconds ?? this.options.defaultTimeoutSeconds, this.options.defaultTimeoutSeconds * 10);
    const result = await this.options.runtime.run(['bash', '-c', SCRIPT, 'swe-mirror-agent', this.cwd, this.options.root, action.command], {
      ...this.options.runOptions,
      cwd: this.options.root,
      timeoutMs: Math.round(timeoutSeconds * 1000),
    });
    let output = result.stdout + result.stderr;
    const markerAt = output.lastIndexOf(`\n${CWD_MARKER}`);
    if (markerAt >= 0) {
      const directory = output.slice(markerAt + CWD_MARKER.length + 1).split('\n')[0]?.trim();
      if (directory) this.cwd = directory;
      output = output.slice(0, markerAt);
    }
    const footer = result.timedOut
      ? `[The command timed out after ${timeoutSeconds} seconds and was killed.]`
      : `[The command completed with exit code ${result.exitCode ?? result.signal}.]`;
    return {
      text: `${clipOutput(output, this.options.outputLimit).replace(/\n?$/, '\n')}${footer}\n[Current working directory: ${this.cwd}]`,
      exitCode: result.exitCode,
      timedOut: result.timedOut,
      isRejected: false,
    };
  }
}

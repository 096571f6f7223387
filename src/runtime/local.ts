import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { SweMirrorError } from '../core/errors.js';
import type { ProcessResult, RunOptions, Runtime } from '../core/process.js';
import { looksOutOfMemory } from './out-of-memory.js';
import { DEFAULT_OUTPUT_LIMIT_BYTES, OutputCapture } from './output-capture.js';
import { measureTreeResidentBytes, signalProcessTree } from './process-tree.js';
import { buildBubblewrapArguments } from './sandbox-arguments.js';

export type SandboxChoice = 'auto' | 'bwrap' | 'none';

export interface LocalRuntimeOptions {
  /** 'auto' (default) uses bubblewrap when it works here; 'bwrap' requires it; 'none' runs unsandboxed. */
  sandbox?: SandboxChoice;
}

const WATCHDOG_INTERVAL_MS = 200;
const TERMINATE_GRACE_MS = 2000;
const OUTPUT_DRAIN_MS = 1000;
const PRLIMIT = '/usr/bin/prlimit';
/** Untrusted code should not see the operator's credentials. */
const SECRET_VARIABLE = /(TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|API_KEY|ACCESS_KEY|PRIVATE_KEY)/i;

let bubblewrapCheck: Promise<boolean> | undefined;

/** Whether bubblewrap exists and can create the namespaces we use (cached per process). */
export function isBubblewrapUsable(): Promise<boolean> {
  bubblewrapCheck ??= Promise.resolve().then(() => {
    const [program, ...probeArguments] = buildBubblewrapArguments({ cwd: tmpdir(), writablePaths: [], allowNetwork: false });
    const probe = spawnSync(program ?? 'bwrap', [...probeArguments, 'true'], {
      stdio: 'ignore',
      timeout: 10_000,
    });
    return probe.status === 0;
  });
  return bubblewrapCheck;
}

/** Local runtime: subprocesses in a bubblewrap sandbox (where available) with time, memory and output limits. */
export function createLocalRuntime(options: LocalRuntimeOptions = {}): Runtime {
  const choice = options.sandbox ?? 'auto';

  async function useBubblewrap(): Promise<boolean> {
    if (choice === 'none') return false;
    const usable = await isBubblewrapUsable();
    if (!usable && choice === 'bwrap') {
      throw new SweMirrorError({
        code: 'SANDBOX_UNAVAILABLE',
        kind: 'infrastructure',
        message: 'bubblewrap (bwrap) was required but cannot create a sandbox on this machine.',
        hint: 'Install bubblewrap and allow unprivileged user namespaces, or use sandbox "auto" to run with fewer protections.',
      });
    }
    return usable;
  }

  async function describeProtections(): Promise<{ applied: string[]; missing: string[] }> {
    const applied = ['wall-time limit (whole process tree killed)', 'memory watchdog on the process tree resident memory', 'output size cap'];
    const missing: string[] = [];
    if (existsSync(PRLIMIT)) applied.push('per-process data-segment limit (RLIMIT_DATA)');
    else missing.push('no per-process memory limit (prlimit not found); only the watchdog applies');
    if (await useBubblewrap()) {
      applied.push('no network (own network namespace)', 'filesystem read-only except the working copy and a private temp dir', 'own pid namespace');
    } else {
      missing.push('no network isolation', 'filesystem not read-only', 'processes that leave the process group may survive');
    }
    return { applied, missing };
  }

  async function run(argv: string[], runOptions: RunOptions): Promise<ProcessResult> {
    const sandboxed = await useBubblewrap();
    const { missing } = await describeProtections();
    const cwd = path.resolve(runOptions.cwd);
    if (!existsSync(cwd) || !statSync(cwd).isDirectory()) {
      throw new SweMirrorError({
        code: 'RUNTIME_CWD_MISSING',
        kind: 'internal',
        message: `Cannot run ${argv[0] ?? '(empty command)'}: working directory ${cwd} does not exist.`,
      });
    }
    const privateTemp = await mkdtemp(path.join(tmpdir(), 'swe-mirror-run-'));
    try {
      const writablePaths = [privateTemp, ...(runOptions.writablePaths ?? []).map((entry) => path.resolve(entry))];
      await Promise.all(writablePaths.map((entry) => mkdir(entry, { recursive: true })));
      const env = buildEnvironment(privateTemp, runOptions.env);
      const startedAt = Date.now();
      const command = argv[0];
      if (command === undefined || !findExecutable(command, env.PATH ?? '', cwd)) {
        const stderr = `swe-mirror: command not found: ${command ?? '(empty command)'} (searched PATH=${env.PATH ?? ''})\n`;
        if (runOptions.logPath) {
          await mkdir(path.dirname(runOptions.logPath), { recursive: true });
          await writeFile(runOptions.logPath, stderr);
        }
        return {
          argv,
          cwd,
          exitCode: 127,
          signal: null,
          timedOut: false,
          outOfMemory: false,
          durationMs: Date.now() - startedAt,
          stdout: '',
          stderr,
          outputTruncated: false,
          ...(runOptions.logPath ? { logPath: runOptions.logPath } : {}),
          missingProtections: missing,
        };
      }
      const wrapped = [
        ...(sandboxed ? buildBubblewrapArguments({ cwd, writablePaths, allowNetwork: runOptions.allowNetwork ?? false }) : []),
        ...(existsSync(PRLIMIT) ? [PRLIMIT, `--data=${runOptions.memoryBytes}`, '--'] : []),
        ...argv,
      ];
      return await spawnWithLimits(argv, wrapped, cwd, env, runOptions, missing);
    } finally {
      await rm(privateTemp, { recursive: true, force: true });
    }
  }

  return { name: 'local', run, describeProtections };
}

function buildEnvironment(privateTemp: string, overrides: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !SECRET_VARIABLE.test(name)) env[name] = value;
  }
  const originalHome = homedir();
  // Toolchains installed under the real home keep working when HOME moves to the private temp dir.
  for (const [variable, directory] of [
    ['CARGO_HOME', '.cargo'],
    ['RUSTUP_HOME', '.rustup'],
  ] as const) {
    if (env[variable] === undefined && existsSync(path.join(originalHome, directory))) env[variable] = path.join(originalHome, directory);
  }
  Object.assign(env, { TMPDIR: privateTemp, TMP: privateTemp, TEMP: privateTemp, HOME: privateTemp }, overrides);
  return env;
}

function findExecutable(command: string, searchPath: string, cwd: string): boolean {
  const candidates = command.includes('/')
    ? [path.resolve(cwd, command)]
    : searchPath
        .split(':')
        .filter(Boolean)
        .map((directory) => path.join(path.resolve(cwd, directory), command));
  return candidates.some((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return statSync(candidate).isFile();
    } catch {
      return false;
    }
  });
}

function spawnWithLimits(
  argv: string[],
  wrapped: string[],
  cwd: string,
  env: Record<string, string>,
  options: RunOptions,
  missingProtections: string[],
): Promise<ProcessResult> {
  const capture = new OutputCapture(options.outputLimitBytes ?? DEFAULT_OUTPUT_LIMIT_BYTES, options.logPath);
  const startedAt = Date.now();
  const [program, ...programArguments] = wrapped as [string, ...string[]];
  const child = spawn(program, programArguments, { cwd, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  let timedOut = false;
  let killedForMemory = false;
  let spawnError: Error | undefined;
  const timers: NodeJS.Timeout[] = [];

  child.stdout.on('data', (chunk: Buffer) => capture.add('stdout', chunk));
  child.stderr.on('data', (chunk: Buffer) => capture.add('stderr', chunk));
  child.stdin.on('error', () => undefined);
  child.stdin.end(options.stdin ?? '');

  const terminate = (): void => {
    if (child.pid === undefined) return;
    const pid = child.pid;
    signalProcessTree(pid, 'SIGTERM');
    timers.push(setTimeout(() => signalProcessTree(pid, 'SIGKILL'), TERMINATE_GRACE_MS));
  };
  timers.push(
    setTimeout(() => {
      timedOut = true;
      terminate();
    }, options.timeoutMs),
  );
  const watchdog = setInterval(() => {
    if (child.pid === undefined || killedForMemory) return;
    if (measureTreeResidentBytes(child.pid) > options.memoryBytes) {
      killedForMemory = true;
      signalProcessTree(child.pid, 'SIGKILL');
    }
  }, WATCHDOG_INTERVAL_MS);

  return new Promise<ProcessResult>((resolve) => {
    let settled = false;
    const settle = async (exitCode: number | null, signal: string | null): Promise<void> => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      for (const timer of timers) clearTimeout(timer);
      // Leftovers of the process group (background jobs) die with the run.
      if (child.pid !== undefined) signalProcessTree(child.pid, 'SIGKILL');
      const output = await capture.finish();
      const stderr = spawnError ? `${output.stderr}swe-mirror: could not start ${program}: ${spawnError.message}\n` : output.stderr;
      resolve({
        argv,
        cwd,
        exitCode: spawnError ? 127 : exitCode,
        signal,
        timedOut,
        outOfMemory: killedForMemory || (!timedOut && looksOutOfMemory(exitCode, output.stdout, stderr)),
        durationMs: Date.now() - startedAt,
        stdout: output.stdout,
        stderr: killedForMemory ? `${stderr}\n[swe-mirror: killed: the process tree used more than ${options.memoryBytes} bytes of memory]\n` : stderr,
        outputTruncated: output.outputTruncated,
        ...(options.logPath ? { logPath: options.logPath } : {}),
        missingProtections,
      });
    };
    child.on('error', (error) => {
      spawnError = error;
      void settle(null, null);
    });
    child.on('close', (exitCode, signal) => void settle(exitCode, signal));
    child.on('exit', (exitCode, signal) => {
      // A grandchild that kept stdout open must not hold the result hostage.
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        void settle(exitCode, signal);
      }, OUTPUT_DRAIN_MS).unref();
    });
  });
}

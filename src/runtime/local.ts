import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { lstat, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SweMirrorError } from '../core/errors.js';
import { isPathInside } from '../core/paths.js';
import type { ProcessResult, RunOptions, Runtime } from '../core/process.js';
import { bubblewrapProgram } from './bwrap-program.js';
import { createRunCgroup, probeCgroups, type RunCgroup } from './cgroup.js';
import { buildRunEnvironment } from './environment.js';
import { readOnlyView } from './filesystem-view.js';
import { OVERLAY_MOUNT_LOOP, prepareLayers, probeLayerMechanism, type LayerMechanism, type PreparedLayers } from './layers.js';
import { discardScratch, makeScratch } from './scratch.js';
import { looksOutOfMemory } from './out-of-memory.js';
import { DEFAULT_OUTPUT_LIMIT_BYTES, OutputCapture } from './output-capture.js';
import { listProcessTree, signalProcessTree } from './process-tree.js';
import { buildBubblewrapArguments, type SandboxMount } from './sandbox-arguments.js';

export type SandboxChoice = 'auto' | 'bwrap' | 'none';

export interface LocalRuntimeOptions {
  /** 'auto' (default) uses bubblewrap when it works here; 'bwrap' requires it; 'none' runs unsandboxed. */
  sandbox?: SandboxChoice;
}

const WATCHDOG_INTERVAL_MS = 200;
const TERMINATE_GRACE_MS = 2000;
const OUTPUT_DRAIN_MS = 1000;
const DEFAULT_PROCESS_LIMIT = 1024;
/** /dev/shm of a sandbox: a quarter of the memory limit (the memory cgroup counts it too, where there is one). */
const SHARED_MEMORY_SHARE = 4;
/** Where the sandbox's private home and temp directory are, as the run sees them. */
const SANDBOX_HOME = '/home/swe-mirror';
const SANDBOX_TEMP = '/tmp';
/**
 * The one shell between swe-mirror and the sandbox: joins the cgroup.procs files given before the first `--` (the
 * whole tree starts inside the run's groups), sets RLIMIT_DATA (KiB, or `-`), mounts the overlay (options,
 * directory) pairs given before the second `--`, then execs the rest. Exit 125: the set-up itself failed.
 */
const LAUNCH_SCRIPT = [
  'while [ "$1" != "--" ]; do printf "%s" "$$" > "$1" || exit 125; shift; done; shift',
  'if [ "$1" != "-" ]; then ulimit -d "$1" || exit 125; fi; shift',
  OVERLAY_MOUNT_LOOP,
  'exec "$@"',
].join('\n');
const KIBIBYTE = 1024;

let bubblewrapCheck: boolean | undefined;

/** Whether bubblewrap exists and can create the namespaces we use (cached per process). */
export function isBubblewrapUsable(): Promise<boolean> {
  return Promise.resolve(checkBubblewrap());
}

function checkBubblewrap(): boolean {
  bubblewrapCheck ??= (() => {
    const program = bubblewrapProgram();
    const argv = buildBubblewrapArguments(program, {
      cwd: '/',
      view: readOnlyView(buildRunEnvironment(SANDBOX_HOME, SANDBOX_TEMP)),
      mounts: [],
      home: SANDBOX_HOME,
      sharedMemoryBytes: 1024 * 1024,
      allowNetwork: false,
      env: { PATH: '/usr/bin:/bin' },
    });
    const probe = spawnSync(program, [...argv.slice(1), 'true'], { stdio: 'ignore', timeout: 10_000 });
    return probe.status === 0;
  })();
  return bubblewrapCheck;
}

/** Local runtime: subprocesses in a bubblewrap sandbox (where available) with throw-away layers and time, memory and process limits. */
export function createLocalRuntime(options: LocalRuntimeOptions = {}): Runtime {
  const choice = options.sandbox ?? 'auto';
  const scratchRoot = tmpdir();

  async function useBubblewrap(): Promise<boolean> {
    if (choice === 'none') return false;
    const usable = await isBubblewrapUsable();
    if (!usable && choice === 'bwrap') {
      throw new SweMirrorError({
        code: 'SANDBOX_UNAVAILABLE',
        kind: 'user',
        message: 'bubblewrap (bwrap) was required but cannot create a sandbox on this machine.',
        hint: 'Install it (apt-get install bubblewrap) and allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1).',
      });
    }
    return usable;
  }

  async function describeProtections(): Promise<{ applied: string[]; missing: string[] }> {
    const applied = ['wall-time limit (whole process tree killed)', 'output size cap'];
    const missing: string[] = [];
    const cgroups = await probeCgroups();
    if (cgroups.memory) applied.push('memory limit on everything the tree holds (memory cgroup)');
    else applied.push('memory watchdog on the process tree resident memory');
    if (cgroups.pids) applied.push('process and thread limit (pids cgroup)');
    else applied.push('process-count watchdog');
    missing.push(...cgroups.missing);
    applied.push('per-process data-segment limit (RLIMIT_DATA)');
    if (await useBubblewrap()) {
      const mechanism = await probeLayerMechanism(scratchRoot);
      applied.push(
        'no network (own network namespace)',
        'no capabilities (own user namespace, all dropped, no nested namespaces)',
        'own pid, ipc, uts and cgroup namespaces',
        'only system directories and toolchains visible, read-only, secrets masked; private empty home, /tmp and /run',
        'environment allowlist',
        mechanism === 'overlay' ? 'throw-away overlay layers over the working copy and caches' : 'throw-away copies of the working copy and caches (overlayfs unavailable: slower)',
      );
    } else {
      missing.push(
        'NO SANDBOX: no network isolation',
        'filesystem not isolated: the run can read and write what swe-mirror can',
        'what a run writes into the working copy stays until the next reset',
        'processes that leave the process group may survive',
      );
    }
    return { applied, missing };
  }

  async function run(argv: string[], runOptions: RunOptions): Promise<ProcessResult> {
    const sandboxed = await useBubblewrap();
    const { missing } = await describeProtections();
    const cwd = path.resolve(runOptions.cwd);
    const inLayer = sandboxed && (runOptions.layers ?? []).some((layer) => isPathInside(cwd, path.resolve(layer.target ?? layer.source), { orEqual: true }));
    if (!inLayer && (!existsSync(cwd) || !statSync(cwd).isDirectory())) {
      throw new SweMirrorError({
        code: 'RUNTIME_CWD_MISSING',
        kind: 'internal',
        message: `Cannot run ${argv[0] ?? '(empty command)'}: working directory ${cwd} does not exist.`,
      });
    }
    const scratch = await makeScratch(scratchRoot);
    let cgroup: RunCgroup | undefined;
    try {
      const env = sandboxed
        ? buildRunEnvironment(SANDBOX_HOME, SANDBOX_TEMP, runOptions.env)
        : buildRunEnvironment(path.join(scratch, 'home'), path.join(scratch, 'tmp'), runOptions.env);
      const startedAt = Date.now();
      const command = argv[0];
      if (command === undefined || !findExecutable(command, env.PATH ?? '', cwd)) {
        const stderr = `swe-mirror: command not found: ${command ?? '(empty command)'} (searched PATH=${env.PATH ?? ''})\n`;
        if (runOptions.logPath) {
          await mkdir(path.dirname(runOptions.logPath), { recursive: true });
          await writeFile(runOptions.logPath, stderr);
        }
        return { ...emptyResult(argv, cwd, missing, Date.now() - startedAt), exitCode: 127, stderr, ...(runOptions.logPath ? { logPath: runOptions.logPath } : {}) };
      }
      const processLimit = runOptions.processLimit ?? DEFAULT_PROCESS_LIMIT;
      cgroup = await createRunCgroup({ memoryBytes: runOptions.memoryBytes, processLimit }).catch(() => undefined);
      let layers: PreparedLayers | undefined;
      let sandbox: string[] = [];
      if (sandboxed) {
        const mechanism: LayerMechanism = await probeLayerMechanism(scratchRoot);
        layers = await prepareLayers(runOptions.layers ?? [], scratch, mechanism);
        const mounts: SandboxMount[] = [...layers.mounts];
        const covered = (target: string): boolean => mounts.some((mount) => isPathInside(target, mount.target, { orEqual: true }));
        for (const writable of [cwd, ...(runOptions.writablePaths ?? []).map((entry) => path.resolve(entry))]) {
          if (covered(writable)) continue;
          await mkdir(writable, { recursive: true });
          mounts.push({ source: writable, target: writable, writable: true });
        }
        sandbox = buildBubblewrapArguments(bubblewrapProgram(), {
          cwd,
          view: readOnlyView(env),
          mounts,
          home: SANDBOX_HOME,
          sharedMemoryBytes: Math.max(1024 * 1024, Math.floor(runOptions.memoryBytes / SHARED_MEMORY_SHARE)),
          allowNetwork: runOptions.allowNetwork ?? false,
          env,
        });
      } else {
        await Promise.all([mkdir(env.HOME as string, { recursive: true }), mkdir(env.TMPDIR as string, { recursive: true })]);
      }
      // RLIMIT_DATA per process gives clean allocation failures inside runtimes; the cgroup bounds the whole tree.
      const wrapped = [
        ...(layers?.namespaces ?? []),
        'sh',
        '-c',
        LAUNCH_SCRIPT,
        'sh',
        ...(cgroup?.procsFiles ?? []),
        '--',
        String(Math.ceil(runOptions.memoryBytes / KIBIBYTE)),
        ...(layers?.overlayMounts ?? []),
        '--',
        ...sandbox,
        ...argv,
      ];
      const launcherEnv = sandboxed ? { PATH: env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' } : env;
      const result = await spawnWithLimits(argv, wrapped, cwd, launcherEnv, runOptions, missing, processLimit, cgroup);
      if (runOptions.collect && runOptions.collect.length > 0) {
        const collected: Record<string, Buffer | undefined> = {};
        for (const file of runOptions.collect) collected[file] = layers ? await layers.collect(file) : await readInPlace(file);
        result.collected = collected;
      }
      return result;
    } finally {
      await cgroup?.destroy();
      await discardScratch(scratch);
    }
  }

  return { name: 'local', mountsLayers: choice !== 'none' && checkBubblewrap(), run, describeProtections };
}


async function readInPlace(file: string): Promise<Buffer | undefined> {
  const stats = await lstat(file).catch(() => undefined);
  return stats?.isFile() ? readFile(file) : undefined;
}

function emptyResult(argv: string[], cwd: string, missingProtections: string[], durationMs: number): ProcessResult {
  return { argv, cwd, exitCode: null, signal: null, timedOut: false, outOfMemory: false, durationMs, stdout: '', stderr: '', outputTruncated: false, missingProtections };
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
  processLimit: number,
  cgroup: RunCgroup | undefined,
): Promise<ProcessResult> {
  const capture = new OutputCapture(options.outputLimitBytes ?? DEFAULT_OUTPUT_LIMIT_BYTES, options.logPath);
  const startedAt = Date.now();
  const [program, ...programArguments] = wrapped as [string, ...string[]];
  // The sandbox sets its own working directory; the launcher starts where the host can see.
  const child = spawn(program, programArguments, { cwd: existsSync(cwd) ? cwd : '/', env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  let timedOut = false;
  let killedForMemory = false;
  let killedForProcesses = false;
  let spawnError: Error | undefined;
  const timers: NodeJS.Timeout[] = [];

  child.stdout.on('data', (chunk: Buffer) => capture.add('stdout', chunk));
  child.stderr.on('data', (chunk: Buffer) => capture.add('stderr', chunk));
  child.stdin.on('error', () => undefined);
  child.stdin.end(options.stdin ?? '');

  const killNow = (): void => {
    if (child.pid !== undefined) signalProcessTree(child.pid, 'SIGKILL');
  };
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
    if (child.pid === undefined || killedForMemory || killedForProcesses) return;
    if (cgroup) {
      // The kernel enforces both limits; a run that hit one is stopped as a whole and labelled.
      if (cgroup.processLimitReached()) killedForProcesses = true;
      else if (cgroup.outOfMemory()) killedForMemory = true;
    } else {
      const tree = listProcessTree(child.pid);
      if (tree.length > processLimit) killedForProcesses = true;
      else if (tree.reduce((total, entry) => total + entry.residentBytes, 0) > options.memoryBytes) killedForMemory = true;
    }
    if (killedForMemory || killedForProcesses) killNow();
  }, WATCHDOG_INTERVAL_MS);

  return new Promise<ProcessResult>((resolve) => {
    let settled = false;
    const settle = async (exitCode: number | null, signal: string | null): Promise<void> => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      for (const timer of timers) clearTimeout(timer);
      // Leftovers of the process group (background jobs) die with the run.
      killNow();
      if (cgroup && !killedForMemory && !killedForProcesses) {
        killedForProcesses = cgroup.processLimitReached();
        killedForMemory = !killedForProcesses && cgroup.outOfMemory();
      }
      const output = await capture.finish();
      let stderr = spawnError ? `${output.stderr}swe-mirror: could not start ${program}: ${spawnError.message}\n` : output.stderr;
      if (killedForProcesses) stderr += `\n[swe-mirror: stopped: the run reached its limit of ${processLimit} processes and threads (a fork bomb, or raise processLimit in the gym spec)]\n`;
      else if (killedForMemory) stderr += `\n[swe-mirror: killed: the process tree used more than ${options.memoryBytes} bytes of memory]\n`;
      resolve({
        argv,
        cwd,
        exitCode: spawnError ? 127 : exitCode,
        signal,
        timedOut,
        outOfMemory: killedForMemory || (!timedOut && !killedForProcesses && looksOutOfMemory(exitCode, output.stdout, stderr)),
        processLimitReached: killedForProcesses,
        durationMs: Date.now() - startedAt,
        stdout: output.stdout,
        stderr,
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

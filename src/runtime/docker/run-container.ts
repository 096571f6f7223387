import { Writable } from 'node:stream';
import type Docker from 'dockerode';
import type { ProcessResult } from '../../core/process.js';
import { DEFAULT_OUTPUT_LIMIT_BYTES, OutputCapture } from '../output-capture.js';
import { readSingleFile } from './archive.js';
import { findContainerProcessCounter, hasKernelOomKill, isLocalEngine, type ContainerProcessCounter } from './container-cgroup.js';
import { toReadOnlyBinds, type HostMount } from './host-mounts.js';
import { statContainerPath } from './path-stat.js';

/** Label on every container swe-mirror creates, so leftovers of a killed swe-mirror can be found and removed. */
export const CONTAINER_LABEL = 'swe-mirror.run';
const COLLECT_LIMIT_BYTES = 64 * 1024 * 1024;
const OUTPUT_DRAIN_MS = 1000;
const WATCHDOG_INTERVAL_MS = 100;
/** Said in a result when the engine is not on this machine, so its cgroups cannot be read. */
export const REMOTE_PROCESS_LIMIT_MISSING = 'a run that reaches its process limit is not labelled processLimitReached (the engine is not on this machine; forks fail inside the run)';
/** /dev/shm of a container: a quarter of the memory limit (the memory cgroup counts it too). */
const SHARED_MEMORY_SHARE = 4;
/**
 * Runs before the command inside the container: deletes the paths given before the first `--` (files a state
 * deleted), then puts each staged path in place of its destination (pairs before the second `--`), then execs the
 * rest. Exit 125: the set-up itself failed.
 */
export const PREPARE_THEN_EXEC = [
  'while [ "$1" != "--" ]; do rm -rf -- "$1" || exit 125; shift; done; shift',
  'while [ "$1" != "--" ]; do rm -rf -- "$2" && mv -- "$1" "$2" || exit 125; shift 2; done; shift',
  'exec "$@"',
].join('; ');

/** One container run, as plain data: what runContainer creates, limits, copies in and reads back. */
export interface ContainerRun {
  image: string;
  argv: string[];
  workdir: string;
  env: Record<string, string>;
  user?: string;
  timeoutMs: number;
  memoryBytes: number;
  processLimit: number;
  cpus?: number;
  /** 'none' for suite runs; 'host' only for installs (the machines this runs on have no bridge network). */
  network: 'none' | 'host';
  /** Tar streams extracted into the created container before it starts, each at its directory. */
  uploads: { directory: string; archive: () => NodeJS.ReadableStream }[];
  /** Paths deleted inside the container before the command starts. */
  deletions: string[];
  /** [staged, destination] pairs: after the deletions, each uploaded staged path replaces its destination. */
  replacements?: [string, string][];
  /** Host paths shown read-only (checked by checkHostMounts; always bound :ro). */
  readOnlyMounts?: HostMount[];
  /** Container paths read back after the run (regular files only). */
  collect: string[];
  outputLimitBytes?: number;
  logPath?: string;
  /** Called after the run, before the container is removed (to commit it as an image). */
  beforeRemove?: (container: Docker.Container, result: ProcessResult) => Promise<void>;
}

/** The engine's container config of `run` (its limits, environment and isolation), with `cmd` as its command. */
export function containerConfig(run: ContainerRun, cmd: string[]): Docker.ContainerCreateOptions {
  return {
    Image: run.image,
    Cmd: cmd,
    Entrypoint: [],
    WorkingDir: run.workdir,
    Env: Object.entries(run.env).map(([name, value]) => `${name}=${value}`),
    ...(run.user ? { User: run.user } : {}),
    Labels: { [CONTAINER_LABEL]: '1' },
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    OpenStdin: false,
    HostConfig: {
      NetworkMode: run.network,
      ...(run.readOnlyMounts && run.readOnlyMounts.length > 0 ? { Binds: toReadOnlyBinds(run.readOnlyMounts) } : {}),
      Memory: run.memoryBytes,
      // Equal to Memory: no swap beyond the limit.
      MemorySwap: run.memoryBytes,
      PidsLimit: run.processLimit,
      ...(run.cpus ? { NanoCpus: Math.round(run.cpus * 1e9) } : {}),
      ShmSize: Math.max(1024 * 1024, Math.floor(run.memoryBytes / SHARED_MEMORY_SHARE)),
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      IpcMode: 'private',
      // Output reaches swe-mirror only through the capped attach stream, never through an unbounded log file.
      LogConfig: { Type: 'none', Config: {} },
      AutoRemove: false,
    },
  };
}

/** The start script's arguments: deletions, then replacement pairs, then the command (see PREPARE_THEN_EXEC). */
export function prepareArguments(run: ContainerRun): string[] {
  return [...run.deletions, '--', ...(run.replacements ?? []).flat(), '--', ...run.argv];
}

/** Create a fresh container, copy the uploads in, run it under its limits, read back `collect`, remove it whatever happens. */
export async function runContainer(client: Docker, run: ContainerRun): Promise<ProcessResult> {
  const startedAt = Date.now();
  const capture = new OutputCapture(run.outputLimitBytes ?? DEFAULT_OUTPUT_LIMIT_BYTES, run.logPath);
  const container = await client.createContainer(containerConfig(run, ['/bin/sh', '-c', PREPARE_THEN_EXEC, 'sh', ...prepareArguments(run)]));
  try {
    for (const upload of run.uploads) await container.putArchive(upload.archive(), { path: upload.directory });
    const attached = await container.attach({ stream: true, stdout: true, stderr: true });
    const ended = endOf(attached);
    client.modem.demuxStream(attached, sink(capture, 'stdout'), sink(capture, 'stderr'));
    await container.start();
    const counter = await findProcessCounter(container);
    return await superviseRun(container, run, capture, { startedAt, ended, counter });
  } finally {
    await container.remove({ force: true, v: true }).catch(() => undefined);
  }
}

/** When an attach stream is over (ended, closed or failed). */
export function endOf(attached: NodeJS.ReadableStream): Promise<void> {
  return new Promise<void>((resolve) => {
    attached.on('end', resolve);
    attached.on('close', resolve);
    attached.on('error', () => resolve());
  });
}

/** The started container's pids counter, where the engine is on this machine (undefined elsewhere, or not found). */
export async function findProcessCounter(container: Docker.Container): Promise<ContainerProcessCounter | undefined> {
  // The engine enforces the pids limit without reporting it: a run that reaches it is stopped and labelled, as locally.
  const started = isLocalEngine() ? await container.inspect().catch(() => undefined) : undefined;
  return started ? findContainerProcessCounter(started.State.Pid, container.id) : undefined;
}

/** What a started container needs for supervision: when the run began, when its output ends, its pids counter. */
export interface StartedRun {
  startedAt: number;
  ended: Promise<void>;
  counter: ContainerProcessCounter | undefined;
}

/**
 * Watch a started container until its command exits, its time limit or its process limit (then kill it), and
 * build the result: exit status, OOM label, capped output, collected files. `beforeRemove` runs last; the caller
 * removes the container.
 */
export async function superviseRun(container: Docker.Container, run: ContainerRun, capture: OutputCapture, started: StartedRun): Promise<ProcessResult> {
  let timedOut = false;
  let processLimitReached = false;
  let timer: NodeJS.Timeout | undefined;
  let watchdog: NodeJS.Timeout | undefined;
  try {
    // Asked after start: a created container counts as "not running" too; a stopped one answers with its exit status.
    const exited = container.wait({ condition: 'not-running' }) as Promise<{ StatusCode: number }>;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), run.timeoutMs);
    });
    const { counter } = started;
    const overLimit = new Promise<'process-limit'>((resolve) => {
      if (!counter) return;
      watchdog = setInterval(() => {
        void counter.hasReachedLimit().then((reached) => (reached ? resolve('process-limit') : undefined));
      }, WATCHDOG_INTERVAL_MS);
    });
    const outcome = await Promise.race([exited, expired, overLimit]);
    clearInterval(watchdog);
    if (outcome === 'expired' || outcome === 'process-limit') {
      timedOut = outcome === 'expired';
      processLimitReached = outcome === 'process-limit';
      // A stuck process is not interrupted by anything else: the whole container goes.
      await container.kill({ signal: 'SIGKILL' }).catch(() => undefined);
    }
    const status = await exited;
    await Promise.race([started.ended, new Promise((resolve) => setTimeout(resolve, OUTPUT_DRAIN_MS))]);
    const state = (await container.inspect()).State;
    // Podman on cgroup v1 reports no OOM kill: a SIGKILLed run (137) is one only if the kernel log says so for this container.
    const killedByKernel = state.OOMKilled !== true && status.StatusCode === 137 && !timedOut && !processLimitReached && isLocalEngine() && (await hasKernelOomKill(container.id));
    const outOfMemory = (state.OOMKilled === true || killedByKernel) && !processLimitReached;
    const output = await capture.finish();
    const stderr = processLimitReached
      ? `${output.stderr}\n[swe-mirror: stopped: the run reached its limit of ${run.processLimit} processes and threads (a fork bomb, or raise processLimit in the gym spec)]\n`
      : outOfMemory
        ? `${output.stderr}\n[swe-mirror: killed: the container used more than ${run.memoryBytes} bytes of memory]\n`
        : output.stderr;
    const killed = timedOut || processLimitReached || (outOfMemory && status.StatusCode === 137);
    const result: ProcessResult = {
      argv: run.argv,
      cwd: run.workdir,
      exitCode: killed ? null : status.StatusCode,
      signal: killed ? 'SIGKILL' : null,
      timedOut,
      outOfMemory,
      processLimitReached,
      durationMs: Date.now() - started.startedAt,
      stdout: output.stdout,
      stderr,
      outputTruncated: output.outputTruncated,
      missingProtections: isLocalEngine() ? [] : [REMOTE_PROCESS_LIMIT_MISSING],
      ...(run.logPath ? { logPath: run.logPath } : {}),
    };
    if (run.collect.length > 0) result.collected = await collectFiles(container, run.collect);
    await run.beforeRemove?.(container, result);
    return result;
  } finally {
    clearTimeout(timer);
    clearInterval(watchdog);
  }
}

/** Read each path back through the archive API; absent, a directory, a symlink or too large: undefined. */
async function collectFiles(container: Docker.Container, paths: string[]): Promise<Record<string, Buffer | undefined>> {
  const collected: Record<string, Buffer | undefined> = {};
  for (const file of paths) {
    // Podman's archive of a symlink follows it: the path's own stat says whether it is a regular file.
    const stat = await statContainerPath(container, file);
    const archive = stat && !stat.isSymlink && !stat.isDirectory ? await container.getArchive({ path: file }).catch(() => undefined) : undefined;
    collected[file] = archive ? await readSingleFile(archive, COLLECT_LIMIT_BYTES).catch(() => undefined) : undefined;
  }
  return collected;
}

export function sink(capture: OutputCapture, stream: 'stdout' | 'stderr'): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      capture.add(stream, chunk);
      done();
    },
  });
}

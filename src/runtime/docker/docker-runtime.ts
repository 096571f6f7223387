import path from 'node:path';
import type Docker from 'dockerode';
import { SweMirrorError } from '../../core/errors.js';
import type { ProcessResult, RunLayer, RunOptions, Runtime } from '../../core/process.js';
import { listTree, packFiles } from './archive.js';
import type { ContainerRuntime } from './container-runtime.js';
import { createDockerClient, requireDockerEngine } from './client.js';
export { isContainerRuntime, type ContainerRuntime } from './container-runtime.js';
import { isLocalEngine } from './container-cgroup.js';
import { REMOTE_PROCESS_LIMIT_MISSING, runContainer, type ContainerRun } from './run-container.js';
import { listWorkingCopyChanges } from './working-copy-changes.js';

const DEFAULT_PROCESS_LIMIT = 1024;

export interface DockerRuntimeOptions {
  /** The image every run starts from (a prepared gym's image). */
  image: string;
  /** The repository's directory in the container (default /testbed). */
  workdir?: string;
  user?: string;
  cpus?: number;
  /**
   * The commit the image's workdir holds. A layer shown at the workdir whose source is a git working copy then
   * contributes only what differs from this commit; without it, a layer's whole tree is copied in.
   */
  baseCommit?: string;
  client?: Docker;
}

/**
 * Docker runtime: every run is a fresh container from `image`, network none, memory, swap, pids (and CPU) limits,
 * all capabilities dropped, no-new-privileges, removed afterwards whatever happens. A run's layers are copied in
 * through the archive API before it starts (nothing is bind-mounted from the host); `collect` is copied out.
 */
export function createDockerRuntime(options: DockerRuntimeOptions): ContainerRuntime {
  const client = options.client ?? createDockerClient();
  const containerWorkdir = options.workdir ?? '/testbed';
  let isEngineChecked = false;

  async function describeProtections(): Promise<{ applied: string[]; missing: string[] }> {
    return {
      applied: [
        'a fresh container per run from the gym image, removed afterwards (nothing a run writes outlives it)',
        'no network (NetworkMode none)',
        'memory limit on the container, swap included (memory cgroup); /dev/shm a quarter of it',
        ...(isLocalEngine() ? ['process and thread limit (pids cgroup); a run that reaches it is stopped and labelled processLimitReached'] : ['process and thread limit (pids cgroup)']),
        ...(options.cpus ? [`CPU limit (${options.cpus} CPUs)`] : []),
        'all capabilities dropped, no-new-privileges',
        'own pid, ipc, uts and mount namespaces; nothing of the host mounted',
        "only the gym's environment (no variable of swe-mirror's)",
        'wall-time limit (the container is killed)',
        'output size cap',
      ],
      missing: isLocalEngine() ? [] : [REMOTE_PROCESS_LIMIT_MISSING],
    };
  }

  async function run(argv: string[], runOptions: RunOptions): Promise<ProcessResult> {
    if (!isEngineChecked) {
      await requireDockerEngine(client);
      isEngineChecked = true;
    }
    if ((runOptions.writablePaths ?? []).length > 0 || (runOptions.layers ?? []).some((layer) => layer.mode === 'writable') || runOptions.stdin) {
      throw new SweMirrorError({
        code: 'DOCKER_RUN_UNSUPPORTED',
        kind: 'internal',
        message: 'The docker runtime cannot write back into host directories or feed stdin: what a container writes is discarded with it.',
        hint: 'Give the docker runtime overlay layers only (gymRunOptions does); agent shells on docker gyms are not supported yet.',
      });
    }
    const uploads: ContainerRun['uploads'] = [];
    const deletions: string[] = [];
    for (const layer of runOptions.layers ?? []) {
      const plan = await planLayer(layer, containerWorkdir, options.baseCommit);
      uploads.push(plan.upload);
      deletions.push(...plan.deletions);
    }
    return runContainer(client, {
      image: options.image,
      argv,
      workdir: runOptions.cwd,
      env: runOptions.env ?? {},
      ...(options.user ? { user: options.user } : {}),
      ...(options.cpus ? { cpus: options.cpus } : {}),
      timeoutMs: runOptions.timeoutMs,
      memoryBytes: runOptions.memoryBytes,
      processLimit: runOptions.processLimit ?? DEFAULT_PROCESS_LIMIT,
      network: runOptions.allowNetwork ? 'host' : 'none',
      uploads,
      deletions,
      collect: runOptions.collect ?? [],
      ...(runOptions.outputLimitBytes ? { outputLimitBytes: runOptions.outputLimitBytes } : {}),
      ...(runOptions.logPath ? { logPath: runOptions.logPath } : {}),
    });
  }

  return { name: 'docker', mountsLayers: true, containerWorkdir, image: options.image, run, describeProtections };
}

/** What one layer puts into the container: the files to copy in (under its target) and the paths to delete there. */
async function planLayer(layer: RunLayer, workdir: string, baseCommit: string | undefined): Promise<{ upload: ContainerRun['uploads'][number]; deletions: string[] }> {
  const target = layer.target ?? layer.source;
  if (!path.posix.isAbsolute(target)) {
    throw new SweMirrorError({ code: 'DOCKER_LAYER_TARGET', kind: 'internal', message: `A docker run's layer target must be an absolute container path, not ${target}.` });
  }
  const prefix = target.replace(/^\/+/, '');
  if (target === workdir && baseCommit) {
    // The image already holds the gym commit: only the state's changes travel.
    const changes = await listWorkingCopyChanges(layer.source, baseCommit);
    return {
      upload: { directory: '/', archive: () => packFiles(layer.source, changes.written, prefix) },
      deletions: changes.deleted.map((file) => path.posix.join(target, file)),
    };
  }
  const files = await listTree(layer.source);
  return { upload: { directory: '/', archive: () => packFiles(layer.source, files, prefix) }, deletions: [] };
}

import { existsSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { SweMirrorError } from '../../core/errors.js';
import type { ProcessResult, RunLayer, RunOptions, Runtime } from '../../core/process.js';
import { listTree, packFiles } from './archive.js';
import { copyContainerChangesBack, listWorkspaceChanges, packLooseObjects, STAGED_GIT_DIRECTORY } from './workspace-sync.js';
import type { ContainerRuntime } from './container-runtime.js';
import { createDockerClient, requireDockerEngine } from './client.js';
export { isContainerRuntime, type ContainerRuntime } from './container-runtime.js';
import { isLocalEngine } from './container-cgroup.js';
import { REMOTE_PROCESS_LIMIT_MISSING, type ContainerRun } from './run-container.js';
import { createStartedContainers } from './started-containers.js';
import { listWorkingCopyChanges } from './working-copy-changes.js';
import type { HostMount } from './host-mounts.js';

const DEFAULT_PROCESS_LIMIT = 1024;

export interface DockerRuntimeOptions {
  /** The image every run starts from (a prepared gym's image). */
  image: string;
  /** The repository's directory in the container (default /testbed). */
  workdir?: string;
  user?: string;
  cpus?: number;
  /** Host paths shown read-only in every run (a gym's docker.mounts, already checked by checkHostMounts). */
  readOnlyMounts?: HostMount[];
  /**
   * The commit the image's workdir holds. A layer shown at the workdir whose source is a git working copy then
   * contributes only what differs from this commit; without it, a layer's whole tree is copied in.
   */
  baseCommit?: string;
  /** A host repository holding `baseCommit`: a writable workspace (an agent's, with its own history) is compared with its tree. */
  baseRepository?: string;
  client?: Docker;
}

/**
 * Docker runtime: every run is a fresh container from `image`, network none, memory, swap, pids (and CPU) limits,
 * all capabilities dropped, no-new-privileges, removed afterwards whatever happens. A run's layers are copied in
 * (through the container's stdin into a container started for it, see started-containers.ts; nothing is
 * bind-mounted from the host); `collect` is copied out.
 */
export function createDockerRuntime(options: DockerRuntimeOptions): ContainerRuntime {
  const client = options.client ?? createDockerClient();
  const containerWorkdir = options.workdir ?? '/testbed';
  let isEngineChecked = false;
  const containers = createStartedContainers(client);

  async function describeProtections(): Promise<{ applied: string[]; missing: string[] }> {
    return {
      applied: [
        'a fresh container per run from the gym image, removed afterwards (nothing a run writes outlives it)',
        'no network (NetworkMode none)',
        'memory limit on the container, swap included (memory cgroup); /dev/shm a quarter of it',
        ...(isLocalEngine() ? ['process and thread limit (pids cgroup); a run that reaches it is stopped and labelled processLimitReached'] : ['process and thread limit (pids cgroup)']),
        ...(options.cpus ? [`CPU limit (${options.cpus} CPUs)`] : []),
        'all capabilities dropped, no-new-privileges',
        ...(options.readOnlyMounts && options.readOnlyMounts.length > 0
          ? [`own pid, ipc, uts and mount namespaces; of the host only the gym's read-only mounts (${options.readOnlyMounts.map((mount) => mount.source).join(', ')})`]
          : ['own pid, ipc, uts and mount namespaces; nothing of the host mounted']),
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
    const writable = (runOptions.layers ?? []).filter((layer) => layer.mode === 'writable');
    if ((runOptions.writablePaths ?? []).length > 0 || runOptions.stdin || writable.some((layer) => (layer.target ?? layer.source) !== containerWorkdir) || (writable.length > 0 && !options.baseRepository)) {
      throw new SweMirrorError({
        code: 'DOCKER_RUN_UNSUPPORTED',
        kind: 'internal',
        message: 'The docker runtime writes back only a workspace shown at the workdir (with baseRepository set), and feeds no stdin.',
        hint: 'Give the docker runtime overlay layers, or one writable layer at the workdir (gymRunOptions does both).',
      });
    }
    const uploads: ContainerRun['uploads'] = [];
    const deletions: string[] = [];
    const replacements: [string, string][] = [];
    for (const layer of runOptions.layers ?? []) {
      if (layer.mode === 'writable') {
        // An agent's workspace: its files against the image's commit, and its own .git in place of the image's.
        const changes = await listWorkspaceChanges(layer.source, options.baseRepository as string, options.baseCommit ?? 'HEAD');
        const prefix = containerWorkdir.replace(/^\/+/, '');
        uploads.push({ directory: '/', archive: () => packFiles(layer.source, changes.written, prefix) });
        deletions.push(...changes.deleted.map((file) => path.posix.join(containerWorkdir, file)));
        if (existsSync(path.join(layer.source, '.git'))) {
          await packLooseObjects(layer.source);
          const gitFiles = ['', ...(await listTree(path.join(layer.source, '.git')))].map((file) => (file === '' ? '.git' : path.join('.git', file)));
          uploads.push({ directory: '/', archive: () => packFilesRenamed(layer.source, gitFiles, prefix) });
          replacements.push([path.posix.join(containerWorkdir, STAGED_GIT_DIRECTORY), path.posix.join(containerWorkdir, '.git')]);
        }
        continue;
      }
      const plan = await planLayer(layer, containerWorkdir, options.baseCommit);
      uploads.push(plan.upload);
      deletions.push(...plan.deletions);
    }
    const workspace = writable[0];
    return containers.run({
      image: options.image,
      argv,
      workdir: runOptions.cwd,
      env: runOptions.env ?? {},
      ...(options.user ? { user: options.user } : {}),
      ...(options.cpus ? { cpus: options.cpus } : {}),
      ...(options.readOnlyMounts ? { readOnlyMounts: options.readOnlyMounts } : {}),
      timeoutMs: runOptions.timeoutMs,
      memoryBytes: runOptions.memoryBytes,
      processLimit: runOptions.processLimit ?? DEFAULT_PROCESS_LIMIT,
      network: runOptions.allowNetwork ? 'host' : 'none',
      uploads,
      deletions,
      replacements,
      collect: runOptions.collect ?? [],
      ...(workspace ? { beforeRemove: (container: Docker.Container) => copyContainerChangesBack(container, containerWorkdir, workspace.source) } : {}),
      ...(runOptions.outputLimitBytes ? { outputLimitBytes: runOptions.outputLimitBytes } : {}),
      ...(runOptions.logPath ? { logPath: runOptions.logPath } : {}),
    });
  }

  return { name: 'docker', mountsLayers: true, containerWorkdir, image: options.image, run, describeProtections, holdContainers: containers.hold };
}

/** A workspace's .git packed as <prefix>/.swe-mirror-git (the start script moves it over the image's .git). */
function packFilesRenamed(root: string, gitFiles: string[], prefix: string): NodeJS.ReadableStream {
  return packFiles(path.join(root, '.git'), gitFiles.map((file) => path.relative('.git', file) || '.'), path.posix.join(prefix, STAGED_GIT_DIRECTORY));
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

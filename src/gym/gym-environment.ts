import { existsSync } from 'node:fs';
import path from 'node:path';
import type { RunLayer, RunOptions, Runtime } from '../core/process.js';
import { isContainerRuntime, type ContainerRuntime } from '../runtime/docker/container-runtime.js';
import type { PreparedGym } from './types.js';

/**
 * Environment for installs and suite runs: build caches in the gym's cache dir, quiet colourless CI output, then the
 * spec's env (which wins), without the variables the spec's unsetEnv names. docs/gyms.md lists them.
 */
export function buildGymEnvironment(
  workdir: string,
  cacheDirectory: string,
  specEnvironment: Record<string, string>,
  unset: readonly string[] = [],
): Record<string, string> {
  const environment: Record<string, string> = {
    GOCACHE: path.join(cacheDirectory, 'go-build'),
    GOPATH: path.join(cacheDirectory, 'go'),
    GOMODCACHE: path.join(cacheDirectory, 'go', 'pkg', 'mod'),
    GOFLAGS: '-modcacherw',
    npm_config_cache: path.join(cacheDirectory, 'npm'),
    PIP_CACHE_DIR: path.join(cacheDirectory, 'pip'),
    XDG_CACHE_HOME: path.join(cacheDirectory, 'xdg'),
    // Cargo's registry and git checkouts: fetched at install, read through the cache layer (offline) by runs.
    CARGO_HOME: path.join(cacheDirectory, 'cargo'),
    // Cargo's build output stays in the working copy, where reset keeps it as an ignored artefact.
    CARGO_TARGET_DIR: path.join(workdir, 'target'),
    PYTHONDONTWRITEBYTECODE: '1',
    CI: 'true',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    ...specEnvironment,
  };
  for (const name of unset) delete environment[name];
  return environment;
}

const MEBIBYTE = 1024 * 1024;

/** One process per 2 MiB of the memory limit, between 64 and 1024: forking children that cost little memory each still hits this first. */
export function defaultProcessLimit(memoryLimitMB: number): number {
  return Math.min(1024, Math.max(64, Math.floor(memoryLimitMB / 2)));
}

/**
 * How a gym command sees the gym:
 * - 'overlay' (every suite run and pre-check): the working copy at the prepared tree's path, the gym cache and
 *   the warm temp directory, each through a throw-away layer; nothing the run writes survives it.
 * - 'warm' (the first baseline run at prepare): the same three, writable, so runner caches (compiled test
 *   binaries, the Go build cache, jest's cache in /tmp) are warmed once for every later run.
 * - 'workspace' (an agent's shell): the working copy writable, so what the agent's commands change stays for its
 *   next command; the cache and /tmp through throw-away layers as in 'overlay'.
 */
export type GymRunMode = 'overlay' | 'warm' | 'workspace';

/** Sandbox options for running a gym's own commands (suite, pre-check) in a working copy: its limits, env, layers, no network. */
export function gymRunOptions(gym: PreparedGym, workdir: string, runtime: Runtime, mode: GymRunMode = 'overlay'): RunOptions {
  if (isContainerRuntime(runtime)) return containerRunOptions(gym, workdir, runtime, mode);
  // Every working copy appears at the prepared tree's path: paths written at install time (virtualenv shebangs) hold.
  const cwd = runtime.mountsLayers ? gym.workdir : workdir;
  const layerMode = mode === 'warm' ? 'writable' : 'overlay';
  const layers: RunLayer[] = [
    { source: workdir, target: cwd, mode: mode === 'workspace' ? 'writable' : layerMode },
    { source: gym.cacheDirectory, mode: layerMode },
    ...(gym.tmpDirectory ? [{ source: gym.tmpDirectory, target: '/tmp', mode: layerMode } as const] : []),
    // Whatever a writable run does to the tree, its .git stays as it was (a throw-away layer of its own).
    ...((layerMode === 'writable' || mode === 'workspace') && existsSync(path.join(workdir, '.git')) ? [{ source: path.join(workdir, '.git'), target: path.join(cwd, '.git'), mode: 'overlay' } as const] : []),
  ];
  return {
    cwd,
    timeoutMs: gym.spec.timeLimitSeconds * 1000,
    memoryBytes: gym.spec.memoryLimitMB * MEBIBYTE,
    processLimit: gym.spec.processLimit ?? defaultProcessLimit(gym.spec.memoryLimitMB),
    env: buildGymEnvironment(cwd, gym.cacheDirectory, gym.spec.env, gym.spec.unsetEnv),
    ...(runtime.mountsLayers ? { layers } : { writablePaths: [gym.cacheDirectory] }),
    allowNetwork: false,
  };
}

/**
 * The environment of a docker gym's installs and runs: the image's own (Docker merges it underneath), quiet
 * colourless CI output, then the spec's env. No cache variables: the image decides where its toolchains keep them.
 */
export function buildContainerEnvironment(specEnvironment: Record<string, string>, unset: readonly string[] = []): Record<string, string> {
  const environment: Record<string, string> = { PYTHONDONTWRITEBYTECODE: '1', CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0', ...specEnvironment };
  for (const name of unset) delete environment[name];
  return environment;
}

/** Run options of a docker gym: container paths; the working copy is copied into a fresh container's workdir. */
function containerRunOptions(gym: PreparedGym, workdir: string, runtime: ContainerRuntime, mode: GymRunMode): RunOptions {
  // Every run is a fresh container, so 'warm' is an ordinary run there; caches are warmed by the install steps.
  return {
    cwd: runtime.containerWorkdir,
    timeoutMs: gym.spec.timeLimitSeconds * 1000,
    memoryBytes: gym.spec.memoryLimitMB * MEBIBYTE,
    processLimit: gym.spec.processLimit ?? defaultProcessLimit(gym.spec.memoryLimitMB),
    env: buildContainerEnvironment(gym.spec.env, gym.spec.unsetEnv),
    layers: [{ source: workdir, target: runtime.containerWorkdir, mode: mode === 'workspace' ? 'writable' : 'overlay' }],
    allowNetwork: false,
  };
}

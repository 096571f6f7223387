import path from 'node:path';
import type { RunOptions } from '../core/process.js';
import type { PreparedGym } from './types.js';

/** Environment for installs and suite runs: build caches in the gym's cache dir, quiet colourless CI output, then the spec's env. */
export function buildGymEnvironment(
  workdir: string,
  cacheDirectory: string,
  specEnvironment: Record<string, string>,
): Record<string, string> {
  return {
    GOCACHE: path.join(cacheDirectory, 'go-build'),
    GOPATH: path.join(cacheDirectory, 'go'),
    GOMODCACHE: path.join(cacheDirectory, 'go', 'pkg', 'mod'),
    npm_config_cache: path.join(cacheDirectory, 'npm'),
    PIP_CACHE_DIR: path.join(cacheDirectory, 'pip'),
    XDG_CACHE_HOME: path.join(cacheDirectory, 'xdg'),
    // Cargo's build output stays in the working copy, where reset keeps it as an ignored artefact.
    CARGO_TARGET_DIR: path.join(workdir, 'target'),
    PYTHONDONTWRITEBYTECODE: '1',
    CI: 'true',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    ...specEnvironment,
  };
}

const MEBIBYTE = 1024 * 1024;

/** Sandbox options for running a gym's own commands (suite, pre-check) in a working copy: its limits, env and cache, no network. */
export function gymRunOptions(gym: PreparedGym, workdir: string): RunOptions {
  return {
    cwd: workdir,
    timeoutMs: gym.spec.timeLimitSeconds * 1000,
    memoryBytes: gym.spec.memoryLimitMB * MEBIBYTE,
    env: buildGymEnvironment(workdir, gym.cacheDirectory, gym.spec.env),
    writablePaths: [gym.cacheDirectory],
    allowNetwork: false,
  };
}

import type { GymSpec } from '../config/gym-spec.js';
import { SweMirrorError } from '../core/errors.js';
import type { Runtime } from '../core/process.js';
import { isContainerRuntime } from '../runtime/docker/container-runtime.js';
import type { PreparedGym } from './types.js';

/** Whether a gym installs and runs in containers (runtime: docker). */
export function isDockerGym(spec: GymSpec): boolean {
  return spec.runtime === 'docker';
}

const dockerRuntimes = new Map<string, Runtime>();
/** Runs a task under a concurrency bound (p-limit's shape). */
type RunLimiter = <T>(task: () => Promise<T>) => Promise<T>;
const runtimeLimiters = new WeakMap<Runtime, RunLimiter>();

/** Say that `runtime`'s runs go through `limiter`: a docker gym's runs, which resolve their own runtime, then do too. */
export function registerRuntimeLimiter(runtime: Runtime, limiter: RunLimiter): void {
  runtimeLimiters.set(runtime, limiter);
}

/**
 * The runtime a gym's suite runs in: the given one, except for a docker gym, whose runs are containers of its gym
 * image whatever runtime the caller holds (so verify, run and validate-export need no docker-specific code).
 * Pre-checks and agent shells resolve their runtime here too.
 */
export async function resolveGymRuntime(gym: Pick<PreparedGym, 'spec' | 'commit' | 'image' | 'workdir'>, runtime: Runtime): Promise<Runtime> {
  if (!isDockerGym(gym.spec) || (isContainerRuntime(runtime) && runtime.image === gym.image)) return runtime;
  if (!gym.image) {
    throw new SweMirrorError({
      code: 'GYM_IMAGE_MISSING',
      kind: 'user',
      message: `Gym ${gym.spec.name} runs on docker but its prepared state records no gym image.`,
      hint: 'Run swe-mirror gym prepare --force for it.',
    });
  }
  const key = `${gym.image}\0${gym.commit}\0${gym.workdir}`;
  let resolved = dockerRuntimes.get(key);
  if (!resolved) {
    // Loaded on first use: the Docker client is not paid for by local gyms.
    const { createDockerRuntime } = await import('../runtime/docker/docker-runtime.js');
    const { checkHostMounts, toHostMounts } = await import('../runtime/docker/host-mounts.js');
    resolved = createDockerRuntime({
      image: gym.image,
      workdir: gym.spec.docker?.workdir ?? '/testbed',
      baseCommit: gym.commit,
      baseRepository: gym.workdir,
      ...(gym.spec.docker?.user ? { user: gym.spec.docker.user } : {}),
      ...(gym.spec.docker?.cpus ? { cpus: gym.spec.docker.cpus } : {}),
      ...(gym.spec.docker?.mounts ? { readOnlyMounts: checkHostMounts(toHostMounts(gym.spec.docker.mounts), [gym.workdir], `gym ${gym.spec.name}`) } : {}),
    });
    dockerRuntimes.set(key, resolved);
  }
  const limiter = runtimeLimiters.get(runtime);
  if (!limiter) return resolved;
  const containers = resolved;
  // Spread, so the container workdir and image stay: callers build container paths from them.
  return { ...containers, run: (argv, options) => limiter(() => containers.run(argv, options)) };
}

import type { Runtime } from '../../core/process.js';

/** A runtime whose runs see container paths: callers build run options for `containerWorkdir`, not host paths. */
export interface ContainerRuntime extends Runtime {
  readonly containerWorkdir: string;
  readonly image: string;
  /**
   * Start the next runs' containers ahead, and remove finished ones in the background, until the returned function
   * is called; it resolves once none of this runtime's containers remain (a verification holds it for its runs).
   */
  holdContainers?(): () => Promise<void>;
}

/** Hold `runtime`'s containers for a series of runs (see holdContainers); a no-op for runtimes without containers. */
export function holdContainers(runtime: Runtime): () => Promise<void> {
  if (isContainerRuntime(runtime) && runtime.holdContainers) return runtime.holdContainers();
  return async () => undefined;
}

/** Whether a runtime runs in containers (its run options are container paths). Dependency-free: no client is loaded. */
export function isContainerRuntime(runtime: Runtime): runtime is ContainerRuntime {
  return typeof (runtime as Partial<ContainerRuntime>).containerWorkdir === 'string';
}

import type { Runtime } from '../../core/process.js';

/** A runtime whose runs see container paths: callers build run options for `containerWorkdir`, not host paths. */
export interface ContainerRuntime extends Runtime {
  readonly containerWorkdir: string;
  readonly image: string;
}

/** Whether a runtime runs in containers (its run options are container paths). Dependency-free: no client is loaded. */
export function isContainerRuntime(runtime: Runtime): runtime is ContainerRuntime {
  return typeof (runtime as Partial<ContainerRuntime>).containerWorkdir === 'string';
}

import type { ChatModel } from '../core/model.js';
import type { Runtime } from '../core/process.js';
import { registerRuntimeLimiter } from '../gym/gym-runtime.js';

/** A concurrency limiter such as p-limit's. */
export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

/** A model whose calls go through a limiter: model calls have their own concurrency bound. */
export function limitModel(model: ChatModel, limiter: Limiter): ChatModel {
  return { id: model.id, complete: (request) => limiter(() => model.complete(request)) };
}

/** A runtime whose runs go through a limiter: test runs have their own concurrency bound. */
export function limitRuntime(runtime: Runtime, limiter: Limiter): Runtime {
  const limited: Runtime = {
    name: runtime.name,
    mountsLayers: runtime.mountsLayers,
    run: (argv, options) => limiter(() => runtime.run(argv, options)),
    describeProtections: () => runtime.describeProtections(),
  };
  // A docker gym's runs resolve their own runtime (containers of its image); they count against the same bound.
  registerRuntimeLimiter(limited, limiter);
  return limited;
}

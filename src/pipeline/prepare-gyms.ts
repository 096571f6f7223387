import { loadGymSpec } from '../config/load-gym-spec.js';
import { describeError } from '../core/errors.js';
import type { Runtime } from '../core/process.js';
import { prepareGym } from '../gym/prepare.js';
import type { PreparedGym } from '../gym/types.js';
import type { Store } from '../store/store.js';
import type { PipelineReporter } from './events.js';

/** Prepare every gym (cached when already prepared); a gym that fails is recorded and skipped, the rest go on. */
export async function prepareGyms(input: {
  specPaths: readonly string[];
  store: Store;
  runtime: Runtime;
  dataDirectory?: string;
  reporter: PipelineReporter;
}): Promise<Map<string, PreparedGym>> {
  const { reporter, store } = input;
  const prepared = new Map<string, PreparedGym>();
  reporter.onEvent({ type: 'stage-start', stage: 'prepare', total: input.specPaths.length });
  for (const specPath of input.specPaths) {
    // The gym's name identifies the item in every event; a spec that cannot be loaded is named by its path.
    let loaded: Awaited<ReturnType<typeof loadGymSpec>>;
    try {
      loaded = await loadGymSpec(specPath);
    } catch (error) {
      reporter.onEvent({ type: 'item-start', stage: 'prepare', item: specPath });
      reporter.onEvent({ type: 'item-done', stage: 'prepare', item: specPath, outcome: 'failed', detail: `skipped: ${describeError(error)}` });
      continue;
    }
    const item = loaded.spec.name;
    reporter.onEvent({ type: 'item-start', stage: 'prepare', item });
    try {
      const gym = await prepareGym(loaded, { runtime: input.runtime, ...(input.dataDirectory ? { dataDirectory: input.dataDirectory } : {}) });
      store.saveGym({ name: gym.spec.name, language: gym.spec.language, specPath: loaded.specPath, status: 'prepared', record: gym });
      prepared.set(gym.spec.name, gym);
      const quarantined = gym.baseline.quarantined.length;
      reporter.onEvent({
        type: 'item-done',
        stage: 'prepare',
        item,
        outcome: 'ok',
        detail: `${Object.keys(gym.baseline.tests).length} tests${quarantined > 0 ? `, ${quarantined} quarantined` : ''}`,
      });
    } catch (error) {
      store.saveGym({ name: loaded.spec.name, language: loaded.spec.language, specPath: loaded.specPath, status: 'failed', error: describeError(error) });
      reporter.onEvent({ type: 'item-done', stage: 'prepare', item, outcome: 'failed', detail: `skipped: ${describeError(error)}` });
    }
  }
  reporter.onEvent({ type: 'stage-done', stage: 'prepare', summary: `${prepared.size}/${input.specPaths.length} gyms ready` });
  return prepared;
}

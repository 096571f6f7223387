// Pipeline overhead outside model calls and test runs, on the offline demo.
// Run: node --import tsx bench/pipeline-overhead.ts [config]   (default examples/demo/swe-mirror.yaml)
// Prints the wall time, the time covered by model calls or sandboxed runs (union of their intervals),
// the rest (the pipeline's own work: store, git resets and patches, parsing, exports) per candidate,
// and its share of the wall time. Target: under 5%.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadRunConfig } from '../src/config/run-config.js';
import type { ChatModel } from '../src/core/model.js';
import type { Runtime } from '../src/core/process.js';
import { createModel } from '../src/llm/create-model.js';
import { resolveModelConfig } from '../src/llm/model-config.js';
import type { PipelineReporter } from '../src/pipeline/events.js';
import { runPipeline } from '../src/pipeline/run-pipeline.js';
import { createLocalRuntime } from '../src/runtime/local.js';
import { recordFigure } from './support/figures.js';

const intervals: Array<[number, number]> = [];
async function timed<T>(work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await work();
  } finally {
    intervals.push([start, performance.now()]);
  }
}

function unionLength(spans: Array<[number, number]>): number {
  const sorted = [...spans].sort((left, right) => left[0] - right[0]);
  let total = 0;
  let current: [number, number] | undefined;
  for (const [start, end] of sorted) {
    if (current && start <= current[1]) {
      current[1] = Math.max(current[1], end);
      continue;
    }
    if (current) total += current[1] - current[0];
    current = [start, end];
  }
  return total + (current ? current[1] - current[0] : 0);
}

async function main(): Promise<void> {
  const configPath = process.argv[2] ?? 'examples/demo/swe-mirror.yaml';
  const loaded = await loadRunConfig(configPath);
  const output = await mkdtemp(path.join(tmpdir(), 'swe-mirror-bench-out-'));
  const modelConfig = resolveModelConfig({ file: loaded.config.model, fileSource: configPath });
  const replayPath = modelConfig.provider === 'replay' && modelConfig.replayFile ? loaded.resolvePath(modelConfig.replayFile) : undefined;
  const baseModel = createModel(modelConfig, { ...(replayPath ? { replayPath } : {}), cacheDirectory: path.join(output, 'llm-cache') });
  const model: ChatModel = { id: baseModel.id, complete: (request) => timed(() => baseModel.complete(request)) };
  const baseRuntime = createLocalRuntime();
  const runtime: Runtime = { name: baseRuntime.name, mountsLayers: baseRuntime.mountsLayers, run: (argv, options) => timed(() => baseRuntime.run(argv, options)), describeProtections: () => baseRuntime.describeProtections() };
  let candidates = 0;
  const reporter: PipelineReporter = {
    onEvent: (event) => {
      if (event.type === 'stage-start' && event.stage === 'mirror') candidates = event.total;
    },
    close: () => undefined,
  };
  const started = performance.now();
  const result = await runPipeline({ loaded: { ...loaded, outputDirectory: output, storePath: path.join(output, 'state.sqlite') }, reporter, model, runtime });
  const wall = performance.now() - started;
  const busy = unionLength(intervals);
  const overhead = wall - busy;
  recordFigure(import.meta.filename, { measure: 'pipeline overhead share of wall time', value: `${((overhead / wall) * 100).toFixed(1)}%`, target: '< 5%', isMet: overhead / wall < 0.05 });
  recordFigure(import.meta.filename, { measure: 'pipeline overhead per candidate', value: `${(overhead / Math.max(candidates, 1)).toFixed(0)} ms` });
  process.stdout.write(
    [
      `config: ${configPath}`,
      `wall time: ${(wall / 1000).toFixed(2)} s; tasks: ${result.stats.funnel.tasks}; candidates mirrored: ${candidates}`,
      `model calls + sandboxed runs (union): ${(busy / 1000).toFixed(2)} s over ${intervals.length} calls`,
      `pipeline overhead: ${(overhead / 1000).toFixed(2)} s = ${(overhead / Math.max(candidates, 1)).toFixed(0)} ms per candidate`,
      `overhead share of wall time: ${((overhead / wall) * 100).toFixed(1)}% (target < 5%)`,
    ].join('\n') + '\n',
  );
}

await main();

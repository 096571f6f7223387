import type { Command } from 'commander';
import { loadRunConfig } from '../config/run-config.js';
import { addModelOptions, modelFlagsFromOptions, type ModelCommandOptions } from '../llm/model-command-options.js';
import { createReporter } from '../pipeline/reporters.js';
import { runPipeline } from '../pipeline/run-pipeline.js';
import { queueOptionsFromFlags, type QueueRunFlags } from '../queue/queue-flags.js';

export function register(program: Command): void {
  addModelOptions(
    program
      .command('run')
      .description('Run every stage from a config: prepare gyms → collect → filter → mirror → verify → dedup → export. Resumable: run it again after a crash.')
      .requiredOption('-c, --config <file>', 'swe-mirror.yaml (see examples/demo/swe-mirror.yaml)')
      .option('--data-dir <dir>', 'where prepared gyms live (env SWE_MIRROR_DATA_DIR)')
      .option('--progress <format>', 'auto | live | plain | ndjson', 'auto')
      .option('--no-export', 'stop after dedup')
      .option('--unsafe-no-sandbox', 'run even without a sandbox (bubblewrap): LLM-written code then runs unconfined; recorded in every verdict and task')
      .option('--queue <url>', 'be the coordinator of a Redis queue (redis://host:port): `swe-mirror worker`s mirror, this run writes the store (docs/distributed.md)')
      .option('--max-in-flight <n>', 'with --queue: jobs enqueued and not yet written back, at most', '64')
      .option('--model-rate <per-minute>', 'with --queue: model requests a minute across all workers'),
  ).action(async (options: ModelCommandOptions & QueueRunFlags & { config: string; dataDir?: string; progress: string; export: boolean; unsafeNoSandbox?: boolean }) => {
    const loaded = await loadRunConfig(options.config);
    const reporter = createReporter({ format: options.progress as 'auto' });
    let result: Awaited<ReturnType<typeof runPipeline>>;
    try {
      result = await runPipeline({
        loaded,
        reporter,
        modelFlags: modelFlagsFromOptions(options),
        modelOptions: {
          ...(options.cache === false ? { noCache: true } : {}),
          ...(options.record ? { recordPath: options.record } : {}),
          ...(options.replay ? { replayPath: options.replay } : {}),
        },
        ...(options.dataDir ? { dataDirectory: options.dataDir } : {}),
        skipExport: !options.export,
        ...(options.unsafeNoSandbox ? { unsafeNoSandbox: true } : {}),
        command: ['swe-mirror', ...process.argv.slice(2)].join(' '),
        ...queueOptionsFromFlags(options),
      });
    } catch (error) {
      reporter.close();
      throw error;
    }
    // With --progress ndjson stdout carries JSON lines only: the table goes to stderr and, as data, into a summary event.
    const isNdjson = options.progress === 'ndjson';
    const { text, ...stats } = result.stats;
    if (isNdjson) {
      reporter.onEvent({ type: 'summary', tasks: stats.funnel.tasks, leftPending: result.leftPending, durationMs: result.durationMs, ...(result.exportDirectory ? { exportDirectory: result.exportDirectory } : {}), stats, text });
    }
    reporter.close();
    const out = isNdjson ? process.stderr : process.stdout;
    out.write(`\n${text}\n`);
    if (result.exportDirectory) out.write(`\nDataset written to ${result.exportDirectory} (tasks.jsonl, multi-swe-bench/, bundles/, stats.txt)\n`);
    out.write(`Finished in ${(result.durationMs / 1000).toFixed(1)} s.\n`);
    if (result.stoppedBy) process.stderr.write(`swe-mirror: ${result.stoppedBy.message}\n`);
    if (result.leftPending > 0) {
      // Infrastructure trouble (model endpoint, disk): the work is not lost, but the run is not complete.
      process.stderr.write(`swe-mirror: ${result.leftPending} candidate${result.leftPending === 1 ? '' : 's'} left pending: rerun to continue.\n`);
      process.exitCode = 3;
    }
  });
}

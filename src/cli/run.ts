import type { Command } from 'commander';
import { SweMirrorError } from '../core/errors.js';
import { estimateRun } from '../budget/estimate-run.js';
import { renderEstimate } from '../budget/estimate.js';
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
      .option('--estimate', 'price the run before spending anything: prepare gyms and collect (no model call), render the prompts of a sample of candidates, print tokens and cost per step (docs/budgets.md)')
      .option('--estimate-sample <n>', 'with --estimate: how many candidates to render prompts for', '20')
      .option('--unsafe-no-sandbox', 'run even without a sandbox (bubblewrap): LLM-written code then runs unconfined; recorded in every verdict and task')
      .option('--queue <url>', 'be the coordinator of a Redis queue (redis://host:port): `swe-mirror worker`s mirror, this run writes the store (docs/distributed.md)')
      .option('--max-in-flight <n>', 'with --queue: jobs enqueued and not yet written back, at most', '64')
      .option('--model-rate <per-minute>', 'with --queue: model requests a minute across all workers'),
  ).action(async (options: ModelCommandOptions & QueueRunFlags & { config: string; dataDir?: string; progress: string; export: boolean; unsafeNoSandbox?: boolean; estimate?: boolean; estimateSample: string }) => {
    const loaded = await loadRunConfig(options.config);
    const reporter = createReporter({ format: options.progress as 'auto' });
    if (options.estimate) {
      const sampleSize = Number(options.estimateSample);
      if (!Number.isInteger(sampleSize) || sampleSize < 1) {
        reporter.close();
        throw new SweMirrorError({ code: 'ESTIMATE_SAMPLE_INVALID', kind: 'user', message: `--estimate-sample must be a positive whole number, not ${JSON.stringify(options.estimateSample)}.`, hint: 'For example --estimate-sample 20.' });
      }
      try {
        const estimate = await estimateRun({ loaded, reporter, modelFlags: modelFlagsFromOptions(options), sampleSize, ...(options.dataDir ? { dataDirectory: options.dataDir } : {}) });
        reporter.close();
        process.stdout.write(options.progress === 'ndjson' ? `${JSON.stringify({ type: 'estimate', ...estimate })}\n` : `\n${renderEstimate(estimate).join('\n')}\n`);
      } catch (error) {
        reporter.close();
        throw error;
      }
      return;
    }
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

import type { Command } from 'commander';
import { SweMirrorError } from '../core/errors.js';
import { decideSandbox } from '../pipeline/sandbox-policy.js';
import { createLocalRuntime } from '../runtime/local.js';
import { evaluatePredictions, type EvaluateEvent, type EvaluateResult } from '../evaluate/evaluate.js';
import type { Prediction } from '../evaluate/predictions.js';
import { parseQueueLocation } from '../queue/connection.js';
import { parsePositiveNumber } from '../queue/queue-flags.js';
import { createQueueEvaluator } from '../queue/queue-evaluator.js';
import { isExportedTask, readExportedTasks } from '../validate/read-exported-tasks.js';

interface EvaluateCommandOptions {
  tasks: string;
  predictions: string;
  output: string;
  runId: string;
  workers: number;
  dataDir?: string;
  instanceIds?: string[];
  baselineRuns?: number;
  json?: boolean;
  unsafeNoSandbox?: boolean;
  queue?: string;
  maxInFlight?: string;
}

function parsePositiveInteger(flag: string) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < 1) {
      throw new SweMirrorError({ code: 'CLI_INVALID_OPTION', kind: 'user', message: `${flag} must be a positive integer, got "${value}".`, hint: `For example: ${flag} 2` });
    }
    return number;
  };
}

/** `gold` and `empty` stand for the reference fixes and empty patches, as SWE-bench's `--predictions_path gold` does. */
async function resolvePredictions(value: string, tasksFile: string): Promise<string | Prediction[]> {
  if (value !== 'gold' && value !== 'empty') return value;
  const tasks = (await readExportedTasks(tasksFile)).filter(isExportedTask);
  return tasks.map((task) => ({ instanceId: task.instanceId, modelNameOrPath: value, modelPatch: value === 'gold' ? task.patch : '' }));
}

function percent(rate: number): string {
  const value = rate * 100;
  return value === 100 || value === 0 ? value.toFixed(0) : value.toFixed(1);
}

function describeEvent(event: EvaluateEvent): { line: string; toStdout: boolean } | undefined {
  switch (event.type) {
    case 'gym-preparing':
      return { line: `preparing gym ${event.gym} from its bundle (${event.tasks} task(s))`, toStdout: false };
    case 'gym-prepared':
      return { line: `gym ${event.gym} prepared at ${event.commit.slice(0, 12)} (${(event.durationMs / 1000).toFixed(1)} s)`, toStdout: false };
    case 'gym-failed':
      return { line: event.error.message, toStdout: false };
    case 'warning':
      return { line: `warning: ${event.message}`, toStdout: false };
    case 'instance-failed':
      return { line: `ERROR       ${event.instanceId}  (${event.modelNameOrPath}) ${event.error.message}  [${event.done}/${event.total}]`, toStdout: true };
    case 'instance-done': {
      const evaluation = event.evaluation;
      const verdict = !evaluation.patchExists ? 'EMPTY' : !evaluation.patchApplied ? 'NO-APPLY' : evaluation.resolved ? 'RESOLVED' : 'UNRESOLVED';
      const failed = [...evaluation.testsStatus.FAIL_TO_PASS.failure, ...evaluation.testsStatus.PASS_TO_PASS.failure];
      const detail = evaluation.error ? `  ${evaluation.error.message.split('\n')[0]}` : failed.length > 0 && evaluation.patchApplied ? `  failing: ${failed.slice(0, 3).join(', ')}${failed.length > 3 ? ', ...' : ''}` : '';
      return { line: `${verdict.padEnd(11)} ${evaluation.instanceId}  (${evaluation.modelNameOrPath})${event.isResumed ? ' (earlier run)' : ''}${detail}  [${event.done}/${event.total}]`, toStdout: true };
    }
  }
}

/** The closing lines: one per model, `resolved N/M (P%)` over all tasks. */
export function formatEvaluationSummary(result: EvaluateResult, outputDirectory: string): string {
  const lines = result.summaries.map(
    (summary) =>
      `${summary.model_name_or_path}: resolved ${summary.resolved_instances}/${summary.total_instances} (${percent(summary.resolve_rate)}%)` +
      `, submitted ${summary.submitted_instances}, completed ${summary.completed_instances}, unresolved ${summary.unresolved_instances}` +
      `, empty ${summary.empty_patch_instances}, error ${summary.error_instances}`,
  );
  lines.push(`reports in ${outputDirectory}/${result.runId}/, summaries in ${outputDirectory}/<model>.${result.runId}.json  [${(result.durationMs / 1000).toFixed(1)} s]`);
  return lines.join('\n');
}

/** `swe-mirror evaluate --tasks tasks.jsonl --predictions preds.jsonl`. */
export function register(program: Command): void {
  program
    .command('evaluate')
    .description('Evaluate SWE-bench predictions on exported tasks: per instance a report.json (FAIL_TO_PASS / PASS_TO_PASS, resolved), per model a summary with the resolve rate over all tasks. Resumable and parallel.')
    .requiredOption('--tasks <tasks.jsonl>', 'the tasks.jsonl written by `swe-mirror export` (gyms/ and bundles/ beside it)')
    .requiredOption('--predictions <file>', 'SWE-bench predictions (JSON list, preds.json object or JSONL); `gold` or `empty` for the reference fixes or empty patches')
    .option('--output <directory>', 'where reports and summaries go', 'evaluation')
    .option('--run-id <id>', 'names this evaluation run', 'swe-mirror')
    .option('--workers <count>', 'instances evaluated at once', parsePositiveInteger('--workers'), 1)
    .option('--data-dir <directory>', 'where gyms are prepared and kept (default: <output>/.data)')
    .option('--instance-ids <ids...>', 'evaluate only these instances (the rate is then over these)')
    .option('--baseline-runs <count>', "baseline runs when preparing each gym (default: the exported spec's)", parsePositiveInteger('--baseline-runs'))
    .option('--json', 'print the summaries as JSON instead of lines')
    .option('--unsafe-no-sandbox', 'run even without a sandbox (bubblewrap): the patches and suites then run unconfined; recorded in every report and summary')
    .option('--queue <url>', 'evaluate on `swe-mirror worker`s through a Redis queue (redis://host:port); this command writes the reports (docs/distributed.md)')
    .option('--max-in-flight <n>', 'with --queue: predictions enqueued and not yet written back, at most', '64')
    .action(async (options: EvaluateCommandOptions) => {
      // With --queue nothing runs here: each worker decides its own sandbox, as it does for mirror jobs.
      const remote = options.queue
        ? await createQueueEvaluator({
            location: parseQueueLocation(options.queue),
            maxInFlight: parsePositiveNumber(options.maxInFlight ?? '64', '--max-in-flight'),
            onNotice: (message) => process.stderr.write(`${message}\n`),
          })
        : undefined;
      // Model-written patches run in the suite: refuse before anything runs when no sandbox can hold them (DESIGN section 3, rule 5).
      const sandbox = remote ? undefined : await decideSandbox({ command: 'evaluate', unsafeNoSandbox: options.unsafeNoSandbox ?? false, isReplayedModel: false });
      if (sandbox?.warning) process.stderr.write(`${sandbox.warning}\n`);
      const result = await evaluatePredictions({
        ...(remote ? { remote } : {}),
        runtime: createLocalRuntime({ sandbox: sandbox?.runtimeSandbox ?? 'auto' }),
        unsafeNoSandbox: sandbox?.record.unsafeNoSandbox ?? false,
        tasksFile: options.tasks,
        predictions: await resolvePredictions(options.predictions, options.tasks),
        outputDirectory: options.output,
        runId: options.runId,
        workers: options.workers,
        ...(options.dataDir ? { dataDirectory: options.dataDir } : {}),
        ...(options.instanceIds ? { instanceIds: options.instanceIds } : {}),
        ...(options.baselineRuns === undefined ? {} : { baselineRuns: options.baselineRuns }),
        onEvent: (event) => {
          const described = describeEvent(event);
          if (!described) return;
          if (described.toStdout && !options.json) process.stdout.write(`${described.line}\n`);
          else process.stderr.write(`${described.line}\n`);
        },
      }).finally(() => remote?.close());
      if (options.json) process.stdout.write(`${JSON.stringify(result.summaries, null, 2)}\n`);
      else process.stdout.write(`${formatEvaluationSummary(result, options.output)}\n`);
      // Unresolved is a result, not a failure; only predictions left unevaluated (rerun to retry) make it exit 1.
      process.exitCode = result.failures.length === 0 ? 0 : 1;
    });
}

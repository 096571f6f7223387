import type { Command } from 'commander';
import { SweMirrorError } from '../core/errors.js';
import { describeDisagreement } from '../validate/compare-statuses.js';
import { validateExport, type TaskValidation, type ValidateExportEvent, type ValidateExportResult } from '../validate/validate-export.js';

interface ValidateExportCommandOptions {
  dataDir?: string;
  json?: boolean;
  baselineRuns?: number;
}

const MAX_LISTED = 10;

function seconds(milliseconds: number): string {
  return `${(milliseconds / 1000).toFixed(1)} s`;
}

function parseBaselineRuns(value: string): number {
  const runs = Number(value);
  if (!Number.isInteger(runs) || runs < 1) {
    throw new SweMirrorError({ code: 'CLI_INVALID_OPTION', kind: 'user', message: `--baseline-runs must be a positive integer, got "${value}".`, hint: 'For example: --baseline-runs 1' });
  }
  return runs;
}

/** The lines printed for one task: `OK id`, or `DISAGREE id` / `ERROR id` with what went wrong. */
export function formatTaskLines(task: TaskValidation): string[] {
  const timing = task.durationsMs.total > 0 ? `  (${seconds(task.durationsMs.total)})` : '';
  if (task.error) {
    return [`ERROR     ${task.instanceId}${timing}`, `    ${task.error.message.split('\n').join('\n    ')}`, ...(task.error.hint ? [`    hint: ${task.error.hint}`] : [])];
  }
  if (task.agreed) return [`OK        ${task.instanceId}${timing}`];
  const lines = [`DISAGREE  ${task.instanceId}${timing}`];
  for (const disagreement of task.disagreements.slice(0, MAX_LISTED)) lines.push(`    ${describeDisagreement(disagreement)}`);
  if (task.disagreements.length > MAX_LISTED) lines.push(`    ... and ${task.disagreements.length - MAX_LISTED} more (use --json)`);
  if (task.quarantinedTests.length > 0) lines.push(`    note: flaky in the fresh baseline: ${task.quarantinedTests.join(', ')}`);
  return lines;
}

/** The closing summary: `agreement: N/M (P%)`, with the disagreeing and erroring counts. */
export function formatSummary(result: ValidateExportResult): string {
  const percent = result.agreementPercent === 100 || result.agreementPercent === 0 ? result.agreementPercent.toFixed(0) : result.agreementPercent.toFixed(1);
  const parts = [`agreement: ${result.agreed}/${result.total} (${percent}%)`];
  if (result.disagreed > 0) parts.push(`${result.disagreed} disagree`);
  if (result.errored > 0) parts.push(`${result.errored} could not be checked`);
  return `${parts.join(', ')}  [${seconds(result.durationMs)}]`;
}

function describeProgress(event: ValidateExportEvent): string | undefined {
  switch (event.type) {
    case 'gym-preparing':
      return `preparing gym ${event.gym} from its bundle (${event.tasks} task(s))`;
    case 'gym-prepare':
      if (event.event.type === 'install') return `  install ${event.event.index}/${event.event.total}: ${event.event.command}`;
      if (event.event.type === 'baseline-run') return `  baseline run ${event.event.index}/${event.event.total}: ${event.event.passed} passed, ${event.event.failed} failed (${seconds(event.event.durationMs)})`;
      if (event.event.type === 'cached') return '  reusing the gym prepared earlier in the data directory';
      return undefined;
    case 'gym-prepared':
      return `gym ${event.gym} prepared at ${event.commit.slice(0, 12)} (${seconds(event.durationMs)})`;
    case 'gym-failed':
      return `gym ${event.gym} could not be prepared: ${event.error.message}`;
    default:
      return undefined;
  }
}

/** `swe-mirror validate-export <tasks.jsonl>`. */
export function register(program: Command): void {
  program
    .command('validate-export')
    .description('Re-verify exported tasks from scratch: each gym re-prepared from its bundle, FAIL_TO_PASS must fail before the fix and pass after, PASS_TO_PASS must pass.')
    .argument('<tasks.jsonl>', 'the tasks.jsonl written by `swe-mirror export` (gyms/ and bundles/ beside it)')
    .option('--data-dir <directory>', 'prepare gyms here and keep them for reruns (default: a temporary directory, removed afterwards)')
    .option('--baseline-runs <count>', 'baseline runs when preparing each gym (default: the exported spec\'s)', parseBaselineRuns)
    .option('--json', 'print the whole result as JSON instead of lines')
    .action(async (tasksFile: string, options: ValidateExportCommandOptions) => {
      const result = await validateExport({
        tasksFile,
        ...(options.dataDir ? { dataDirectory: options.dataDir } : {}),
        ...(options.baselineRuns === undefined ? {} : { baselineRuns: options.baselineRuns }),
        onEvent: (event) => {
          if (event.type === 'task-done') {
            if (!options.json) process.stdout.write(`${formatTaskLines(event.task).join('\n')}\n`);
            return;
          }
          const line = describeProgress(event);
          if (line) process.stderr.write(`${line}\n`);
        },
      });
      if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else process.stdout.write(`${formatSummary(result)}\n`);
      process.exitCode = result.agreed === result.total ? 0 : 1;
    });
}

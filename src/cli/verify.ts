import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { loadGymSpec } from '../config/load-gym-spec.js';
import { SweMirrorError } from '../core/errors.js';
import { decodePatchBytes } from '../edits/patch-text.js';
import { ensureWritableDirectory } from '../pipeline/writable-directory.js';
import type { TestState, Verdict } from '../core/records.js';
import { isDockerGym } from '../gym/gym-runtime.js';
import { prepareGym, type GymPrepareEvent } from '../gym/prepare.js';
import { createLocalRuntime } from '../runtime/local.js';
import { DEFAULT_RERUNS, verifyTask, type VerifyEvent } from '../verify/verify-task.js';
import { parseQueueLocation } from '../queue/connection.js';
import { verifyThroughQueue } from '../queue/queue-verifier.js';

interface VerifyCommandOptions {
  gym: string;
  task: string;
  dataDir?: string;
  strict?: boolean;
  runs?: number;
  reruns?: number;
  parallelRuns?: number;
  out?: string;
  queue?: string;
}

/** What verdict.json holds: the verdict plus where it came from. */
export interface VerdictFile extends Verdict {
  gym: string;
  commit: string;
  task: string;
  strict: boolean;
  fixPatch: 'given' | 'inverse of mirror.patch';
  runtime: string;
  logDirectory: string;
  /** Tests counted per run, in the order of `runs`. */
  runCounts: Array<{ passed: number; failed: number; skipped: number }>;
}

const MAX_LISTED = 20;

function write(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

function seconds(milliseconds: number): string {
  return `${(milliseconds / 1000).toFixed(1)} s`;
}

function parseRuns(value: string): number {
  const runs = Number(value);
  if (!Number.isInteger(runs) || runs < 1) {
    throw new SweMirrorError({ code: 'CLI_INVALID_OPTION', kind: 'user', message: `--runs must be a positive integer, got "${value}".`, hint: 'For example: --runs 3' });
  }
  return runs;
}

function parseReruns(value: string): number {
  const reruns = Number(value);
  if (!Number.isInteger(reruns) || reruns < 0) {
    throw new SweMirrorError({ code: 'CLI_INVALID_OPTION', kind: 'user', message: `--reruns must be 0 or a positive integer, got "${value}".`, hint: 'For example: --reruns 1' });
  }
  return reruns;
}

function parseParallelRuns(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > 2) {
    throw new SweMirrorError({ code: 'CLI_INVALID_OPTION', kind: 'user', message: `--parallel-runs must be 1 or 2, got "${value}".`, hint: 'For example: --parallel-runs 1' });
  }
  return count;
}

async function readTaskPatch(taskDirectory: string, name: string, isRequired: boolean): Promise<string | undefined> {
  const file = path.join(taskDirectory, name);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (cause) {
    if (!isRequired && (cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SweMirrorError({
      code: 'TASK_PATCH_MISSING',
      kind: 'user',
      message: `Cannot read ${file}.`,
      hint: 'The task directory must hold mirror.patch and test.patch (and optionally fix.patch).',
      cause,
    });
  }
  // Refuses non-UTF-8 bytes and CRLF-converted patches with the reason, instead of changing them silently.
  return decodePatchBytes(bytes, file);
}

function describePrepareEvent(event: GymPrepareEvent): string | undefined {
  switch (event.type) {
    case 'source':
      return `preparing gym: ${event.from} -> ${event.workdir}`;
    case 'install':
      return `install ${event.index}/${event.total}: ${event.command}`;
    case 'baseline-run':
      return `baseline run ${event.index}/${event.total}: ${event.passed} passed, ${event.failed} failed, ${event.skipped} skipped (${seconds(event.durationMs)})`;
    case 'quarantined':
      return event.tests.length > 0 ? `quarantined ${event.tests.length} flaky test(s)` : undefined;
    default:
      return undefined;
  }
}

function listTests(title: string, tests: string[], showAll = true): void {
  if (tests.length === 0) return;
  write(`${title} (${tests.length}):`);
  if (!showAll) return;
  for (const test of tests.slice(0, MAX_LISTED)) write(`  ${test}`);
  if (tests.length > MAX_LISTED) write(`  ... and ${tests.length - MAX_LISTED} more (see verdict.json)`);
}

/** The readable summary of a verdict file, as printed to the terminal. */
export function printVerdictSummary(file: VerdictFile, verdictPath: string): void {
  const total = file.runs.reduce((sum, run) => sum + run.durationMs, 0);
  write(`${file.valid ? 'VALID' : 'INVALID'}  ${file.gym} · ${path.relative(process.cwd(), file.task) || '.'}  (${file.runs.length} suite runs, ${seconds(total)})`);
  for (const reason of file.reasons) {
    write(`  ✗ ${reason.rule}: ${reason.message}`);
    const involved = [...(reason.files ?? []), ...reason.tests];
    for (const name of involved.slice(0, MAX_LISTED)) write(`      ${name}`);
    if (involved.length > MAX_LISTED) write(`      ... and ${involved.length - MAX_LISTED} more`);
  }
  write();
  listTests('FAIL_TO_PASS', file.FAIL_TO_PASS);
  write(`PASS_TO_PASS: ${file.PASS_TO_PASS.length} test(s)`);
  listTests('new but not failing (allowed unless --strict)', file.newButNotFailing);
  listTests('flaky (status changed between repeats)', file.flakyTests);
  listTests('quarantined by the gym baseline (excluded)', file.quarantinedTests);
  if (file.runs.length > 0) {
    write('runs:');
    for (const [index, run] of file.runs.entries()) {
      const counts = file.runCounts[index];
      const outcome = run.timedOut ? 'timed out' : run.outOfMemory ? 'out of memory' : !run.hasEvidence ? 'no evidence' : `exit ${run.exitCode ?? 'killed'}`;
      const tally = counts ? `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped` : '';
      const scope = run.files ? `  (rerun: ${run.files.join(', ')})` : '';
      write(`  ${run.state.padEnd(4)} #${run.repeat}  ${seconds(run.durationMs).padStart(7)}  ${outcome.padEnd(12)} ${tally}${scope}`);
    }
  }
  write(`runner: ${file.runner} (report: ${file.parser}, level: ${file.level}, runtime: ${file.runtime})`);
  write(`fix.patch: ${file.fixPatch}${file.strict ? '; strict mode' : ''}`);
  if (file.runs.length > 0) write(`logs: ${file.logDirectory}`);
  write(`verdict: ${verdictPath}`);
}

/** `swe-mirror verify --gym <spec> --task <dir>`. */
export function register(program: Command): void {
  program
    .command('verify')
    .description('Verify a task: run the gym suite with mirror.patch, + test.patch, + fix.patch, with reruns, and judge the transitions.')
    .requiredOption('--gym <spec>', 'gym spec YAML file')
    .requiredOption('--task <directory>', 'directory holding mirror.patch, test.patch and optionally fix.patch')
    .option('--data-dir <directory>', 'data directory (default $SWE_MIRROR_DATA_DIR or ~/.cache/swe-mirror)')
    .option('--strict', 'reject new tests that pass even with the bug (as the SWE-Mirror paper does)')
    .option('--runs <count>', 'full runs of the test and fix states, with no targeted reruns unless --reruns (default: one, then targeted reruns)', parseRuns)
    .option('--reruns <count>', `reruns of the deciding tests in fix and test through the gym's filesCommand (default ${DEFAULT_RERUNS}; 0 for none)`, parseReruns)
    .option('--parallel-runs <count>', 'suite runs of one state at once: 2 runs each targeted rerun beside its full run (default: 2 when a core is free, else 1)', parseParallelRuns)
    .option('--out <file>', 'where to write the verdict (default <task>/verdict.json)')
    .option('--queue <url>', 'verify on a `swe-mirror worker` through a Redis queue (redis://host:port); this command writes the verdict (docs/distributed.md)')
    .action(async (options: VerifyCommandOptions) => {
      const taskDirectory = path.resolve(options.task);
      const verdictPath = path.resolve(options.out ?? path.join(taskDirectory, 'verdict.json'));
      // Refuse an unwritable verdict location before minutes of suite runs, not after.
      ensureWritableDirectory(path.dirname(verdictPath), 'The verdict directory');
      const mirror = await readTaskPatch(taskDirectory, 'mirror.patch', true);
      const test = await readTaskPatch(taskDirectory, 'test.patch', true);
      const fix = await readTaskPatch(taskDirectory, 'fix.patch', false);
      const loaded = await loadGymSpec(options.gym);
      const repeats: Partial<Record<TestState, number>> = options.runs ? { test: options.runs, fix: options.runs } : {};
      // Explicit full runs are the paper's behaviour: no targeted reruns on top unless asked for.
      const reruns = options.reruns ?? (options.runs ? 0 : undefined);
      const fixPatch: VerdictFile['fixPatch'] = fix === undefined ? 'inverse of mirror.patch' : 'given';
      const writeVerdict = async (file: VerdictFile): Promise<void> => {
        await writeFile(verdictPath, `${JSON.stringify(file, null, 2)}\n`);
        printVerdictSummary(file, verdictPath);
        process.exitCode = file.valid ? 0 : 1;
      };
      if (options.queue) {
        // Nothing runs here: a worker prepares the gym from the job's files and verifies in its own sandbox.
        await verifyThroughQueue({
          location: parseQueueLocation(options.queue),
          loaded,
          taskName: path.basename(taskDirectory),
          patches: { mirror: mirror as string, test: test as string, ...(fix === undefined ? {} : { fix }) },
          options: { strict: options.strict ?? false, repeats, ...(reruns === undefined ? {} : { reruns }), ...(options.parallelRuns === undefined ? {} : { parallelRuns: options.parallelRuns }) },
          onNotice: progress,
          onResult: async (result) => {
            const { tests, runs, ...summary } = result.verdict;
            await writeVerdict({
              ...summary,
              gym: result.gym,
              commit: result.commit,
              task: taskDirectory,
              strict: options.strict ?? false,
              fixPatch,
              runtime: `${result.runtime} on worker ${result.worker}`,
              logDirectory: `${result.worker}:${result.logDirectory}`,
              runs,
              runCounts: result.runCounts,
              tests,
            });
          },
        });
        return;
      }
      const runtime = createLocalRuntime();
      // A docker gym's runs are containers (resolveGymRuntime): the local sandbox's protections do not apply to it.
      if (!isDockerGym(loaded.spec)) {
        const { missing } = await runtime.describeProtections();
        if (missing.length > 0) progress(`warning: sandbox protections missing: ${missing.join('; ')}`);
      }
      const gym = await prepareGym(loaded, {
        runtime,
        ...(options.dataDir ? { dataDirectory: options.dataDir } : {}),
        onEvent: (event) => {
          const line = describePrepareEvent(event);
          if (line) progress(line);
        },
      });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const logDirectory = path.join(gym.directory, 'logs', 'verify', `${path.basename(taskDirectory)}-${stamp}`);
      const runCounts: VerdictFile['runCounts'] = [];
      const onEvent = (event: VerifyEvent): void => {
        if (event.type === 'run-done') {
          runCounts.push({ passed: event.passed, failed: event.failed, skipped: event.skipped });
          const scope = event.files ? ` (rerun of ${event.files.length} file(s))` : '';
          progress(`${event.state} ${event.repeat}/${event.repeats}${scope}: ${event.passed} passed, ${event.failed} failed, ${event.skipped} skipped (${seconds(event.durationMs)})`);
        } else if (event.type === 'patches-applied') {
          const fuzzy = Object.entries(event.methods).filter(([, method]) => method !== 'git');
          for (const [label, method] of fuzzy) progress(`note: ${label} applied with ${method === '3way' ? 'a three-way merge' : 'fuzzy matching'}`);
        }
      };
      const verdict = await verifyTask(gym, { mirror: mirror as string, test: test as string, ...(fix === undefined ? {} : { fix }) }, {
        runtime,
        repeats,
        ...(reruns === undefined ? {} : { reruns }),
        ...(options.parallelRuns === undefined ? {} : { parallelRuns: options.parallelRuns }),
        strict: options.strict ?? false,
        logDirectory,
        onEvent,
      });
      const { tests, runs, ...summary } = verdict;
      // Key order is reading order: the answer first, the per-test table last.
      const file: VerdictFile = {
        ...summary,
        gym: gym.spec.name,
        commit: gym.commit,
        task: taskDirectory,
        strict: options.strict ?? false,
        fixPatch,
        runtime: verdict.sandbox?.runtime ?? runtime.name,
        logDirectory,
        runs,
        runCounts,
        tests,
      };
      await writeVerdict(file);
    });
}

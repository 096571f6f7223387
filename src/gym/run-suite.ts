import { rm } from 'node:fs/promises';
import path from 'node:path';
import { SweMirrorError } from '../core/errors.js';
import type { Runtime } from '../core/process.js';
import type { ParsedReport, ReportInput, ReportParser } from '../core/tests.js';
import { gymRunOptions, type GymRunMode } from './gym-environment.js';
import { resolveGymRuntime } from './gym-runtime.js';
import type { PreparedGym, SuiteRun } from './types.js';

export interface RunSuiteOptions {
  runtime: Runtime;
  /** Working copy to run in; default the gym's primary one. */
  workdir?: string;
  /** Run only these test files (needs the spec's filesCommand; otherwise the whole suite runs). */
  files?: string[];
  logPath?: string;
  /** Parser to use instead of the built-in one for the spec's report format. */
  reportParser?: ReportParser;
  /** 'warm' only for the first baseline run at prepare (see GymRunMode). */
  mode?: GymRunMode;
}


/** Quote one word for bash so it is passed through literally. */
export function quoteForShell(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'"'"'`)}'`;
}

/** The shell command a suite run executes: the spec's command, or its filesCommand with `{files}` filled in. */
export function buildSuiteCommand(gym: PreparedGym, files?: string[]): string {
  const { command, filesCommand } = gym.spec.test;
  if (!files || files.length === 0 || !filesCommand) return command;
  return filesCommand.replaceAll('{files}', files.map(quoteForShell).join(' '));
}

/** Resolve the report file inside the working copy, refusing a spec path that leaves it. */
function resolveReportFile(workdir: string, reportFile: string | undefined): string | undefined {
  if (!reportFile) return undefined;
  const absolute = path.resolve(workdir, reportFile);
  if (path.relative(workdir, absolute).startsWith('..') || path.isAbsolute(path.relative(workdir, absolute))) {
    throw new SweMirrorError({
      code: 'GYM_REPORT_PATH_OUTSIDE',
      kind: 'user',
      message: `The report file ${reportFile} is outside the working copy.`,
      hint: 'Give test.report.file as a path relative to the repository, without "..".',
    });
  }
  return absolute;
}

/** Run the gym's suite (or some test files) in the sandbox and parse its report. */
export async function runSuite(gym: PreparedGym, options: RunSuiteOptions): Promise<SuiteRun> {
  const workdir = options.workdir ?? gym.workdir;
  const runtime = await resolveGymRuntime(gym, options.runtime);
  const runOptions = gymRunOptions(gym, workdir, runtime, options.mode);
  // A report left in the working copy must never be read as this run's result.
  const hostReport = resolveReportFile(workdir, gym.spec.test.report.file);
  if (hostReport) await rm(hostReport, { force: true });
  // The report is read from what the run left, as the run saw it: from its throw-away layer, copied out.
  const sandboxReport = resolveReportFile(runOptions.cwd, gym.spec.test.report.file);
  const process = await runtime.run(['bash', '-c', buildSuiteCommand(gym, options.files)], {
    ...runOptions,
    ...(sandboxReport ? { collect: [sandboxReport] } : {}),
    ...(options.logPath ? { logPath: options.logPath } : {}),
  });
  const reportFile = sandboxReport ? process.collected?.[sandboxReport]?.toString('utf8') : undefined;
  const input: ReportInput = { stdout: process.stdout, stderr: process.stderr, rootDirectory: runOptions.cwd, ...(reportFile === undefined ? {} : { reportFile }) };
  return { process, report: await parseSuiteReport(gym, input, options.reportParser) };
}

async function parseSuiteReport(gym: PreparedGym, input: ReportInput, parser: ReportParser | undefined): Promise<ParsedReport> {
  if (parser) return parser.parse(input);
  // Loaded on first use so the runtime and reset do not pay for every parser.
  const { parseReport } = await import('../reports/index.js');
  return parseReport(gym.spec.test.report.format, input);
}

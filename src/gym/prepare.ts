import { existsSync } from 'node:fs';
import { appendFile, copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { LoadedGymSpec } from '../config/load-gym-spec.js';
import { SweMirrorError } from '../core/errors.js';
import type { Runtime } from '../core/process.js';
import type { ReportParser, TestStatusMap } from '../core/tests.js';
import { createLocalRuntime } from '../runtime/local.js';
import { countStatuses, findFlakyTests, tailLines } from './baseline.js';
import { findBaselineRunProblem, findQuarantineProblem } from './baseline-check.js';
import { diagnoseInstallFailure } from './install-hints.js';
import { resolveDataDirectory } from './data-dir.js';
import { withDirectoryLock } from './directory-lock.js';
import { buildGymEnvironment } from './gym-environment.js';
import { classifyGymSource, computeSpecHash, materializeGymSource } from './gym-source.js';
import { gymDirectoryPath, readPreparedGym, savePreparedGym } from './prepared-gym-store.js';
import { findIntegrityProblems, sanitizeRepository } from './integrity.js';
import { resetGymWorkingCopy } from './reset.js';
import { runGit } from '../core/git.js';
import { runSuite } from './run-suite.js';
import { isDockerGym } from './gym-runtime.js';
import { hasGymImage, prepareDockerGymImage } from './prepare-docker.js';
import type { GymPrepareEvent, PreparedGym } from './types.js';

export { listPreparedGyms, loadPreparedGym } from './prepared-gym-store.js';

export type { GymPrepareEvent } from './types.js';

export interface PrepareGymOptions {
  dataDirectory?: string;
  runtime?: Runtime;
  /** Prepare again even when a prepared state exists. */
  force?: boolean;
  /** Baseline runs; default the spec's baselineRuns. */
  baselineRuns?: number;
  /** Parser to use instead of the built-in one for the spec's report format. */
  reportParser?: ReportParser;
  onEvent?: (event: GymPrepareEvent) => void;
}

const MEBIBYTE = 1024 * 1024;
const INSTALL_MINIMUM_TIME_MS = 30 * 60 * 1000;
const INSTALL_MINIMUM_MEMORY_BYTES = 4096 * MEBIBYTE;
const LOCK_WAIT_MS = 60 * 60 * 1000;
/** Install artefacts that reset must keep: ignored through .git/info/exclude. */
const KEPT_ARTEFACTS = ['node_modules/', 'target/', '.venv/', 'venv/', '__pycache__/', '.pytest_cache/'];

/** Clone or copy a gym, check out its commit, install once, run the baseline and quarantine flaky tests; reuses a prepared state. */
export async function prepareGym(loaded: LoadedGymSpec, options: PrepareGymOptions = {}): Promise<PreparedGym> {
  const emit = options.onEvent ?? (() => undefined);
  const dataDirectory = resolveDataDirectory(options.dataDirectory);
  const specHash = await computeSpecHash(loaded);
  const directory = gymDirectoryPath(dataDirectory, loaded.spec.name, specHash);
  return withDirectoryLock(`${directory}.lock`, LOCK_WAIT_MS, async () => {
    const existing = options.force ? undefined : await readPreparedGym(directory);
    if (existing) {
      // Reused only if nothing could make host git run a program there or read other content than recorded.
      const problems = await findIntegrityProblems(existing.workdir, existing.commit);
      if (!(await hasGymImage(existing))) problems.push(`the gym image ${existing.image ?? '(none recorded)'} is missing`);
      if (problems.length === 0) {
        emit({ type: 'cached', gym: existing });
        return existing;
      }
      emit({ type: 'tampered', problems });
    }
    await rm(directory, { recursive: true, force: true });
    const workdir = path.join(directory, 'repo');
    const cacheDirectory = path.join(directory, 'cache');
    const tmpDirectory = path.join(directory, 'tmp');
    const logDirectory = path.join(directory, 'logs');
    await Promise.all([cacheDirectory, tmpDirectory, logDirectory].map((entry) => mkdir(entry, { recursive: true })));

    emit({ type: 'source', kind: classifyGymSource(loaded), from: loaded.repoLocation, workdir });
    const commit = await materializeGymSource(loaded, workdir);
    emit({ type: 'checkout', commit });
    await excludeArtefacts(workdir, loaded.spec.test.report.file);

    await copyCargoConfiguration(path.join(cacheDirectory, 'cargo'));
    const runtime = options.runtime ?? createLocalRuntime();
    // A docker gym installs inside containers and keeps the result as its gym image; the host tree stays as checked out.
    const image = isDockerGym(loaded.spec) ? await prepareDockerGymImage(loaded, specHash, workdir, logDirectory, emit) : undefined;
    if (!image) await runInstall(loaded, runtime, workdir, cacheDirectory, logDirectory, emit);

    // Tracked files as committed, whatever the install rewrote (lock files...); its artefacts stay.
    await runGit(workdir, ['checkout', '-f', '-q', '--detach', commit]);
    const partial = { spec: loaded.spec, loaded, specHash, directory, workdir, commit, cacheDirectory, tmpDirectory, ...(image ? { image } : {}) };
    const runs = options.baselineRuns ?? loaded.spec.baselineRuns;
    const { baseline, preserved } = await runBaseline(partial, runtime, options.reportParser, logDirectory, runs, emit);
    const gym: PreparedGym = { ...partial, baseline, preserved, preparedAt: new Date().toISOString() };
    await savePreparedGym(gym);
    emit({ type: 'prepared', gym });
    return gym;
  });
}

async function excludeArtefacts(workdir: string, reportFile: string | undefined, extra: string[] = []): Promise<void> {
  const patterns = [...KEPT_ARTEFACTS, ...(reportFile ? [`/${reportFile.replace(/^\.\//, '')}`] : []), ...extra.map((entry) => `/${entry}`)];
  await appendFile(path.join(workdir, '.git', 'info', 'exclude'), `\n# swe-mirror: install artefacts kept across resets\n${patterns.join('\n')}\n`);
}

/** The operator's cargo configuration (registry mirrors, offline settings), without credentials, for the gym's own CARGO_HOME. */
async function copyCargoConfiguration(gymCargoHome: string): Promise<void> {
  const hostCargoHome = process.env.CARGO_HOME ?? path.join(homedir(), '.cargo');
  for (const name of ['config.toml', 'config']) {
    const source = path.join(hostCargoHome, name);
    if (!existsSync(source)) continue;
    await mkdir(gymCargoHome, { recursive: true });
    await copyFile(source, path.join(gymCargoHome, name));
  }
}

/** Untracked and ignored top-level paths of the prepared tree (what install and warm-up left): reset keeps exactly these. */
async function listPreserved(workdir: string): Promise<string[]> {
  const listed = await runGit(workdir, ['ls-files', '--others', '--directory', '--no-empty-directory', '-z']);
  return [...new Set(listed.split('\0').filter(Boolean))].sort();
}

async function runInstall(
  loaded: LoadedGymSpec,
  runtime: Runtime,
  workdir: string,
  cacheDirectory: string,
  logDirectory: string,
  emit: (event: GymPrepareEvent) => void,
): Promise<void> {
  const commands = loaded.spec.install;
  for (const [index, command] of commands.entries()) {
    emit({ type: 'install', index: index + 1, total: commands.length, command });
    const logPath = path.join(logDirectory, `install-${index + 1}.log`);
    const result = await runtime.run(['bash', '-c', command], {
      cwd: workdir,
      timeoutMs: Math.max(loaded.spec.timeLimitSeconds * 1000, INSTALL_MINIMUM_TIME_MS),
      memoryBytes: Math.max(loaded.spec.memoryLimitMB * MEBIBYTE, INSTALL_MINIMUM_MEMORY_BYTES),
      env: buildGymEnvironment(workdir, cacheDirectory, loaded.spec.env, loaded.spec.unsetEnv),
      writablePaths: [cacheDirectory],
      allowNetwork: true,
      logPath,
    });
    if (result.exitCode !== 0) {
      const why = result.timedOut ? 'timed out' : result.outOfMemory ? 'ran out of memory' : `exited with ${result.exitCode ?? result.signal}`;
      const tail = await readLogTail(logPath, result.stdout + result.stderr);
      throw new SweMirrorError({
        code: 'GYM_INSTALL_FAILED',
        kind: 'user',
        message: `Install command ${index + 1}/${commands.length} of gym ${loaded.spec.name} ${why}: ${command}\n--- last lines of ${logPath} ---\n${tail}`,
        hint: `${diagnoseInstallFailure(command, tail, { workdir }) ?? `Fix the install command in ${loaded.specPath}.`} Full log: ${logPath}; then run gym prepare again.`,
        details: { logPath, exitCode: result.exitCode, command },
      });
    }
    emit({ type: 'install-done', index: index + 1, durationMs: result.durationMs });
  }
}

async function runBaseline(
  gym: Omit<PreparedGym, 'baseline' | 'preparedAt'>,
  runtime: Runtime,
  reportParser: ReportParser | undefined,
  logDirectory: string,
  runs: number,
  emit: (event: GymPrepareEvent) => void,
): Promise<{ baseline: PreparedGym['baseline']; preserved: string[] }> {
  const statuses: TestStatusMap[] = [];
  const durationsMs: number[] = [];
  // A provisional baseline makes the partial gym a PreparedGym for runSuite, which reads only spec, paths and commit.
  const provisional: PreparedGym = { ...gym, baseline: { tests: {}, runs: 0, quarantined: [], durationsMs: [] }, preparedAt: '' };
  for (let index = 1; index <= runs; index += 1) {
    const logPath = path.join(logDirectory, `baseline-${index}.log`);
    // The first run warms the runner caches in place (tree, cache, /tmp); every later one runs through throw-away layers.
    const mode = index === 1 ? 'warm' : 'overlay';
    const run = await runSuite(provisional, { runtime, logPath, mode, ...(reportParser ? { reportParser } : {}) });
    if (index === 1) {
      await runGit(gym.workdir, ['checkout', '-f', '-q', '--detach', gym.commit]);
      const report = gym.spec.test.report.file;
      if (report) await rm(path.join(gym.workdir, report), { force: true });
      provisional.preserved = await listPreserved(gym.workdir);
      await excludeArtefacts(gym.workdir, undefined, provisional.preserved);
      await sanitizeRepository(gym.workdir);
    } else if (!runtime.mountsLayers) {
      // Without layers the run wrote into the prepared tree itself.
      await resetGymWorkingCopy(provisional, gym.workdir);
    }
    if (!run.report.hasEvidence) {
      const flags = [run.process.timedOut ? 'timed out' : '', run.process.outOfMemory ? 'ran out of memory' : ''].filter(Boolean).join(', ');
      throw new SweMirrorError({
        code: 'GYM_BASELINE_NO_EVIDENCE',
        kind: 'infrastructure',
        message: `Baseline run ${index}/${runs} of gym ${gym.spec.name} shows no evidence that the suite ran (exit ${run.process.exitCode ?? run.process.signal}${flags ? `, ${flags}` : ''}; ${run.report.warnings.join('; ') || 'no report'}).\n--- last lines of ${logPath} ---\n${await readLogTail(logPath, run.process.stdout + run.process.stderr)}`,
        hint: `Check test.command and test.report in ${gym.loaded.specPath}; run the command by hand in ${gym.workdir}.`,
        details: { logPath, exitCode: run.process.exitCode },
      });
    }
    const problem = findBaselineRunProblem({ ...run.process, report: run.report });
    if (problem) {
      throw new SweMirrorError({
        code: 'GYM_BASELINE_PROVES_NOTHING',
        kind: 'user',
        message: `Baseline run ${index}/${runs} of gym ${gym.spec.name} proves nothing: ${problem}.\n--- last lines of ${logPath} ---\n${await readLogTail(logPath, run.process.stdout + run.process.stderr)}`,
        hint: `Make test.command in ${gym.loaded.specPath} build and run the suite at the pinned commit (full log: ${logPath}), then run gym prepare again.`,
        details: { logPath, exitCode: run.process.exitCode },
      });
    }
    statuses.push(run.report.tests);
    durationsMs.push(run.process.durationMs);
    emit({ type: 'baseline-run', index, total: runs, durationMs: run.process.durationMs, ...countStatuses(run.report.tests) });
  }
  if (provisional.preserved === undefined) {
    provisional.preserved = await listPreserved(gym.workdir);
    await excludeArtefacts(gym.workdir, undefined, provisional.preserved);
    await sanitizeRepository(gym.workdir);
  }
  const quarantined = findFlakyTests(statuses);
  const declared = new Set(gym.spec.quarantine ?? []);
  const undeclared = quarantined.filter((id) => !declared.has(id));
  const quarantineProblem = findQuarantineProblem(undeclared.length, new Set(statuses.flatMap((tests) => Object.keys(tests))).size);
  if (quarantineProblem) {
    const shown = undeclared.slice(0, 10).join('\n  ');
    throw new SweMirrorError({
      code: 'GYM_BASELINE_UNSTABLE',
      kind: 'user',
      message: `The baseline of gym ${gym.spec.name} is too unstable to judge tasks by: ${quarantineProblem}.\n  ${shown}${undeclared.length > 10 ? `\n  ... and ${undeclared.length - 10} more` : ''}\n--- last lines of ${path.join(logDirectory, `baseline-${runs}.log`)} ---\n${await readLogTail(path.join(logDirectory, `baseline-${runs}.log`), '')}`,
      hint: `Check that test ids are stable (timings or random data in names?) and that tests do not depend on order or time; list known-unreliable tests under quarantine: in ${gym.loaded.specPath}.`,
      details: { quarantined: undeclared.length },
    });
  }
  emit({ type: 'quarantined', tests: quarantined });
  return { baseline: { tests: statuses[0] ?? {}, runs, quarantined, durationsMs }, preserved: provisional.preserved ?? [] };
}

/** Last lines of the combined (interleaved) log, or of the captured output when there is no log. */
async function readLogTail(logPath: string, fallback: string): Promise<string> {
  return tailLines(await readFile(logPath, 'utf8').catch(() => fallback));
}

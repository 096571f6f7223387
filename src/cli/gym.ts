import type { Command } from 'commander';
import { loadGymSpec } from '../config/load-gym-spec.js';
import { SweMirrorError } from '../core/errors.js';
import { isDockerGym } from '../gym/gym-runtime.js';
import { listPreparedGyms, prepareGym, type GymPrepareEvent } from '../gym/prepare.js';
import type { PreparedGym } from '../gym/types.js';
import { createLocalRuntime } from '../runtime/local.js';
import { registerGymImport } from './gym-import.js';

function write(line: string): void {
  process.stdout.write(`${line}\n`);
}

function formatSeconds(milliseconds: number): string {
  return `${(milliseconds / 1000).toFixed(1)} s`;
}

/** One progress line per preparation event. */
function describeEvent(event: GymPrepareEvent): string {
  switch (event.type) {
    case 'cached':
      return `already prepared at ${event.gym.preparedAt}: ${event.gym.workdir} (use --force to prepare again)`;
    case 'tampered':
      return `the prepared copy cannot be trusted any more (${event.problems.join('; ')}): preparing it again`;
    case 'source':
      return `${event.kind === 'remote' ? 'clone' : event.kind === 'local-git' ? 'clone (local)' : event.kind === 'local-bundle' ? 'clone (bundle)' : 'copy'} ${event.from} -> ${event.workdir}`;
    case 'checkout':
      return `checked out ${event.commit.slice(0, 12)}`;
    case 'install':
      return `install ${event.index}/${event.total}: ${event.command}`;
    case 'install-done':
      return `install ${event.index} done in ${formatSeconds(event.durationMs)}`;
    case 'baseline-run':
      return `baseline run ${event.index}/${event.total}: ${event.passed} passed, ${event.failed} failed, ${event.skipped} skipped in ${formatSeconds(event.durationMs)}`;
    case 'quarantined':
      return event.tests.length === 0
        ? 'no flaky tests'
        : `quarantined ${event.tests.length} flaky test(s):\n${event.tests.map((test) => `  ${test}`).join('\n')}`;
    case 'prepared':
      return `prepared ${event.gym.spec.name} in ${event.gym.directory}`;
  }
}

function parseRuns(value: string): number {
  const runs = Number(value);
  if (!Number.isInteger(runs) || runs < 1) {
    throw new SweMirrorError({ code: 'CLI_INVALID_OPTION', kind: 'user', message: `--runs must be a positive integer, got "${value}".`, hint: 'For example: --runs 3' });
  }
  return runs;
}

function formatTable(rows: string[][]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()).join('\n');
}

function listRow(gym: PreparedGym): string[] {
  return [
    gym.spec.name,
    gym.spec.language,
    gym.commit.slice(0, 12),
    String(Object.keys(gym.baseline.tests).length),
    String(gym.baseline.quarantined.length),
    gym.preparedAt,
  ];
}

/** `swe-mirror gym prepare|import|list`. */
export function register(program: Command): void {
  const gym = program.command('gym').description('Prepare and list gyms (repositories with a runnable test suite).');

  gym
    .command('prepare')
    .description('Clone or copy a gym, install it once, run its baseline suite and quarantine flaky tests.')
    .argument('<spec>', 'gym spec YAML file')
    .option('--data-dir <directory>', 'data directory (default $SWE_MIRROR_DATA_DIR or ~/.cache/swe-mirror)')
    .option('--force', 'prepare again even if a prepared state exists')
    .option('--runs <count>', 'baseline runs (default: the spec\'s baselineRuns)', parseRuns)
    .action(async (specPath: string, options: { dataDir?: string; force?: boolean; runs?: number }) => {
      const loaded = await loadGymSpec(specPath);
      const runtime = createLocalRuntime();
      // A docker gym installs and runs in containers only: the local sandbox's protections do not apply to it.
      if (!isDockerGym(loaded.spec)) {
        const { missing } = await runtime.describeProtections();
        if (missing.length > 0) process.stderr.write(`warning: sandbox protections missing: ${missing.join('; ')}\n`);
      }
      const prepared = await prepareGym(loaded, {
        runtime,
        ...(options.dataDir ? { dataDirectory: options.dataDir } : {}),
        ...(options.force ? { force: true } : {}),
        ...(options.runs ? { baselineRuns: options.runs } : {}),
        onEvent: (event) => write(describeEvent(event)),
      });
      write(`${prepared.spec.name}: ${Object.keys(prepared.baseline.tests).length} tests, ${prepared.baseline.quarantined.length} quarantined, working copy ${prepared.workdir}`);
    });

  registerGymImport(gym);

  gym
    .command('list')
    .description('Show prepared gyms with their test counts and quarantined tests.')
    .option('--data-dir <directory>', 'data directory (default $SWE_MIRROR_DATA_DIR or ~/.cache/swe-mirror)')
    .action(async (options: { dataDir?: string }) => {
      const gyms = await listPreparedGyms(options.dataDir);
      if (gyms.length === 0) {
        write('No prepared gyms. Prepare one with: swe-mirror gym prepare <spec>');
        return;
      }
      write(formatTable([['NAME', 'LANGUAGE', 'COMMIT', 'TESTS', 'QUARANTINED', 'PREPARED AT'], ...gyms.map(listRow)]));
    });
}

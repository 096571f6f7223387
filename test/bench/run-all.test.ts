import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnAsync } from '../support/spawn-async.js';
import { renderBenchTable } from '../../bench/run-all.js';

const REPOSITORY = path.resolve(import.meta.dirname, '..', '..');

describe('npm run bench (bench/run-all.ts)', () => {
  it('runs the named benchmark and prints one table of its figures on stdout, its own lines on stderr', async () => {
    const run = await spawnAsync('npm', ['run', '--silent', 'bench', '--', 'parse-reports'], { cwd: REPOSITORY, encoding: 'utf8' });
    expect(run.stdout).toMatch(/^\nbenchmark +measure +figure +target +verdict\n-+/);
    expect(run.stdout).toMatch(/parse-reports +parse JUnit XML, 100,000 tests +\d+\.\d{3} s +< 1 s +(ok|MISSED)\n/);
    expect(run.stdout).toMatch(/parse-reports +parse jest JSON, 100,000 tests/);
    expect(run.stdout).toContain('1 benchmark(s) in');
    expect(run.stderr).toContain('── parse-reports.ts ──');
    expect(run.status).toBe(/MISSED/.test(run.stdout) ? 1 : 0);
  }, 120_000);

  it('refuses an unknown benchmark name, listing the ones there are', async () => {
    const run = await spawnAsync(process.execPath, ['--import', 'tsx', 'bench/run-all.ts', 'no-such-bench'], { cwd: REPOSITORY, encoding: 'utf8' });
    expect(run.stderr).toMatch(/No benchmark named no-such-bench; available: .*parse-reports.*verify-overhead/);
    expect(run.status).not.toBe(0);
  });

  it('gives a benchmark that crashed, or printed no figure, a FAILED row', async () => {
    const table = renderBenchTable([
      { bench: 'reset.ts', exitCode: 1, seconds: 2.5, figures: [] },
      { bench: 'store-scale.ts', exitCode: 0, seconds: 9, figures: [{ measure: 'readFunnel', value: '42 ms' }] },
    ]);
    expect(table.split('\n')).toEqual([
      'benchmark    measure                    figure  target  verdict',
      '-----------  -------------------------  ------  ------  -------',
      'reset        (exit code 1 after 2.5 s)  -       -       FAILED',
      'store-scale  readFunnel                 42 ms   -       report',
    ]);
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnAsync } from '../support/spawn-async.js';
import type { ExportResult } from '../../src/dataset/export.js';
import { exportCalcTasks } from '../validate/calc-export.js';

const REPOSITORY = path.resolve(import.meta.dirname, '..', '..');
let exported: ExportResult;
let scratch: string;

beforeAll(async () => {
  exported = await exportCalcTasks();
  scratch = await mkdtemp(path.join(tmpdir(), 'swe-mirror-exported-spec-'));
}, 120_000);

afterAll(async () => {
  await rm(path.dirname(exported.sweBenchFile), { recursive: true, force: true });
  await rm(scratch, { recursive: true, force: true });
});

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
}

describe('an exported gym spec (its repo is a git bundle)', () => {
  it('clones to the clean gym commit: the bundle default branch is the gym, not the last task', () => {
    const clone = path.join(scratch, 'clone');
    execFileSync('git', ['clone', '-q', exported.bundles[0]!, clone]);
    const gymCommit = JSON.parse(execFileSync('head', ['-1', exported.sweBenchFile], { encoding: 'utf8' })).gym_commit;
    expect(git(clone, 'rev-parse', 'HEAD')).toBe(gymCommit);
    expect(git(clone, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('gym');
  });

  it('prepares with `swe-mirror gym prepare`, and the prepared copy holds every task commit', async () => {
    const run = await spawnAsync(process.execPath, ['--import', 'tsx', path.join(REPOSITORY, 'src/cli/main.ts'), 'gym', 'prepare', exported.gymSpecs[0]!, '--data-dir', path.join(scratch, 'data')], {
      cwd: REPOSITORY,
      encoding: 'utf8',
    });
    expect(run.stderr).not.toMatch(/ENOTDIR|internal error/);
    expect(run.stdout).toMatch(/clone \(bundle\) .*calc\.bundle ->/);
    expect(run.stdout).toMatch(/baseline run 1\/\d+: 1 passed, 0 failed/);
    expect(run.status).toBe(0);

    const records = execFileSync('cat', [exported.sweBenchFile], { encoding: 'utf8' }).trim().split('\n').map((line) => JSON.parse(line));
    const workdir = /prepared calc in (\S+)/.exec(run.stdout)?.[1];
    expect(workdir).toBeDefined();
    const repo = path.join(workdir!, 'repo');
    expect(git(repo, 'rev-parse', 'HEAD')).toBe(records[0].gym_commit);
    for (const record of records) expect(git(repo, 'rev-parse', `swe-mirror/${record.instance_id}^{commit}`)).toBe(record.base_commit);
  }, 120_000);
});

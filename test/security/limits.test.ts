import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeCgroups } from '../../src/runtime/cgroup.js';
import { HAS_BWRAP, SKIP_REASON, SecurityScratch, processesWith, runOf, unique, walkFiles, type RunSummary, type VerifyOutcome } from './support/probe-harness.js';

/**
 * Issue 8, limit probes (fixtures/probes/limits.py), the probe gym's memoryLimitMB being 256:
 * 1 GiB held in a memfd or in /dev/shm (pages that no per-process RSS sampler or RLIMIT_DATA sees)
 * must be refused or killed and labelled as memory; a fork of 2,000 children must be stopped and
 * labelled as a process-count limit, not "out of memory"; a double-forked setsid daemon must not
 * outlive the run. Each held state waits to be stopped: when no limit applies, the gym's 60 s time
 * limit ends the run and the test fails on `timedOut`, never on a timing guess.
 */

const LIMIT_TIMEOUT_MS = 300_000;

/** The test state's log: what the probe printed before it was stopped. */
function testLog(outcome: VerifyOutcome): string {
  const run = runOf(outcome, 'test');
  return outcome.logs[path.basename(run.logPath ?? 'test-1.log')] ?? '';
}

function heldMegabytes(log: string): number {
  const held = [...log.matchAll(/PROBE-HELD (\d+) MiB|"held_mb": (\d+)/g)].map((match) => Number(match[1] ?? match[2]));
  return Math.max(0, ...held);
}

/**
 * Whether a run is labelled as stopped by the process-count limit: a truthy run field named for
 * processes or pids (e.g. `processLimit`, `pidsLimitHit`), or the printed run line saying so.
 */
function labelledProcessLimit(run: RunSummary, stdout: string): boolean {
  const field = Object.entries(run).some(([name, value]) => /process|pids/i.test(name) && value === true);
  const line = stdout.split('\n').find((text) => /^ {2}test +#1 /.test(text)) ?? '';
  return field || /process|pids/i.test(line);
}

describe.skipIf(!HAS_BWRAP)(HAS_BWRAP ? 'security: limits' : SKIP_REASON, () => {
  let scratch: SecurityScratch;
  const daemonToken = unique('daemon');

  beforeAll(() => {
    scratch = new SecurityScratch();
  });

  afterAll(() => {
    for (const pid of processesWith(daemonToken)) process.kill(pid, 'SIGKILL');
    scratch?.remove();
  });

  it.each(['memfd', 'shm'])('holding 1 GiB in %s under a 256 MB limit is refused or killed, and labelled as memory', async (limit) => {
    const outcome = await scratch.verify(`memory-${limit}`, { probe: 'limits', config: { test_state_only: true, limit, hold_mb: 1024 } });
    const run = runOf(outcome, 'test');
    const log = testLog(outcome);
    expect(log, 'the probe never started').toMatch(/PROBE-HELD|PROBE-RESULT/);
    if (limit === 'memfd' && !(await probeCgroups()).memory) {
      // Without a memory cgroup nothing counts memfd pages (docs/runtime.md); the verdict must say so plainly.
      expect(JSON.stringify(outcome.verdict?.sandbox ?? {})).toMatch(/no memory cgroup/);
      return;
    }
    const refused = log.includes('"refused"');
    expect(run.timedOut, `${limit}: not stopped until the time limit (held ${heldMegabytes(log)} MiB)`).toBe(false);
    expect(refused || run.outOfMemory, `${limit}: neither refused nor labelled out of memory`).toBe(true);
    expect(heldMegabytes(log)).toBeLessThan(1024);
  }, LIMIT_TIMEOUT_MS);

  it('a fork of 2,000 children is stopped and labelled as a process-count limit, not out of memory', async () => {
    const outcome = await scratch.verify('forkbomb', { probe: 'limits', config: { test_state_only: true, limit: 'forkbomb', children: 2000 } });
    const run = runOf(outcome, 'test');
    expect(testLog(outcome), 'the probe never started').toMatch(/PROBE-FORKED|PROBE-RESULT/);
    expect(run.timedOut, 'not stopped until the time limit').toBe(false);
    expect(run.outOfMemory, 'labelled out of memory').toBe(false);
    expect(labelledProcessLimit(run, outcome.stdout), `no process-count label on ${JSON.stringify(run)}`).toBe(true);
  }, LIMIT_TIMEOUT_MS);

  it('a double-forked setsid daemon does not outlive the run', async () => {
    const outcome = await scratch.verify('daemon', { probe: 'limits', config: { test_state_only: true, limit: 'daemon', token: daemonToken } });
    expect(testLog(outcome)).toContain('"daemon_started": true');
    // The verify has returned: whatever ran in the sandbox must be gone by now.
    expect(processesWith(daemonToken)).toEqual([]);
    const planted = walkFiles(scratch.dataDirectory).filter((file) => file.includes(daemonToken));
    expect(planted).toEqual([]);
  }, LIMIT_TIMEOUT_MS);
});

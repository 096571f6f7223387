import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_BWRAP, HONEST_ID, SKIP_REASON, SecurityScratch, canary, leakedCanaries, probeResult, type VerifyOutcome } from './support/probe-harness.js';

/**
 * Issue 8, forgery probes (fixtures/probes/forge.py): a result cannot be printed into existence.
 * A passing test prints `FAILED tests/x.py::ghost` with the bug and `PASSED tests/x.py::ghost`
 * without (so a line-grepping parser would accept the ghost as FAIL_TO_PASS): through print, into
 * every pipe past pytest's capture, and after pytest's own summary. With a report file (pytest-junit),
 * the test swaps the report for a symlink to a host file holding a forged JUnit report that names a
 * canary test: the host must not read a file the test pointed it to.
 */

describe.skipIf(!HAS_BWRAP)(HAS_BWRAP ? 'security: forged results' : SKIP_REASON, () => {
  let scratch: SecurityScratch;
  let ghost: VerifyOutcome;
  let symlinked: VerifyOutcome;
  const reportCanary = canary('REPORT');

  beforeAll(async () => {
    scratch = new SecurityScratch();
    ghost = await scratch.verify('ghost', { probe: 'forge' });
    const hostReport = path.join(scratch.outside, 'forged-report.xml');
    writeFileSync(
      hostReport,
      `<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" tests="1" failures="0" errors="0" skipped="0"><testcase classname="tests.test_probe" name="${reportCanary}" time="0.001"/></testsuite></testsuites>\n`,
    );
    symlinked = await scratch.verify('report-symlink', {
      probe: 'forge',
      spec: 'gym-junit.yaml',
      config: { test_state_only: true, report_file: '.swe-mirror-report.xml', host_report: hostReport },
    });
  });

  afterAll(() => scratch?.remove());

  it('runs the ghost probe in both states', () => {
    expect(probeResult(ghost, 'test').probe).toBe('forge');
    expect(probeResult(ghost, 'fix').probe).toBe('forge');
  });

  it.each(['tests/x.py::ghost', 'tests/x.py::ghost_in_pipe', 'tests/x.py::ghost_after_summary'])('%s enters neither FAIL_TO_PASS nor the test table', (id) => {
    expect(ghost.verdict?.FAIL_TO_PASS).not.toContain(id);
    expect(Object.keys(ghost.verdict?.tests ?? {})).not.toContain(id);
  });

  it('refuses the run whose output holds a second, printed pytest summary (after pytest\'s own, at exit): the task is rejected, nothing forged is accepted', () => {
    expect(ghost.verdict?.valid).toBe(false);
    expect(ghost.verdict?.FAIL_TO_PASS ?? []).not.toContain(HONEST_ID.replace(/::.*/, '::ghost_after_summary'));
    expect(ghost.everything).toMatch(/complete pytest summaries/);
  });

  it('does not follow a report file symlinked by the test to a host file', () => {
    expect(probeResult(symlinked, 'test').probe).toBe('forge');
    expect(leakedCanaries(symlinked.everything)).toEqual([]);
  });
});

import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_IDS, HAS_BWRAP, HONEST_ID, SKIP_REASON, SecurityScratch, probeResult, unique, walkFiles, type VerifyOutcome } from './support/probe-harness.js';

/**
 * Issue 8, persistence probes (fixtures/probes/persist.py): nothing a run writes may outlive it or
 * reach swe-mirror's own git. A hostile task writes outside its working copy, into the gym cache and
 * .git, plants git hooks, core.fsmonitor, core.hooksPath and a filter driver (which the host's git
 * would run at every later reset), hides an untracked failing test with .git/info/exclude, git-replaces
 * the gym commit, plants an ignored conftest.py and a stale .pyc. Then an honest task runs on the same
 * prepared gym: its verdict must be exactly what it is on a clean gym.
 */

describe.skipIf(!HAS_BWRAP)(HAS_BWRAP ? 'security: persistence' : SKIP_REASON, () => {
  let scratch: SecurityScratch;
  let hostile: VerifyOutcome;
  let honest: VerifyOutcome;
  let result: Record<string, any>;
  const token = unique('token');
  const outside: Record<string, string> = {};

  beforeAll(async () => {
    scratch = new SecurityScratch();
    outside.existing = path.join(scratch.outside, 'existing.txt');
    outside.created = path.join(scratch.outside, 'created.txt');
    outside.tmp = path.join(os.tmpdir(), `${unique('outside')}.txt`);
    outside.home = path.join(os.homedir(), `.${unique('outside')}`);
    writeFileSync(outside.existing, 'original\n');
    hostile = await scratch.verify('persist', {
      probe: 'persist',
      config: { test_state_only: true, token, markers: scratch.markers, outside_paths: outside },
    });
    result = probeResult(hostile);
    // The next task, honest, on the same prepared gym: more resets, more host git.
    honest = await scratch.verify('honest-after-persist');
  });

  afterAll(() => {
    for (const file of [outside.tmp, outside.home]) if (file) rmSync(file, { force: true });
    scratch?.remove();
  });

  const gitFiles = (name: string): string[] => walkFiles(scratch.dataDirectory).filter((file) => file.split(path.sep).includes('.git') && path.basename(file) === name);

  it('runs the probe and then the honest task', () => {
    expect(result.state).toBe('test');
    expect(honest.verdict, honest.stderr).toBeDefined();
  });

  it('writes nothing outside its working copy: an existing file, a new file, host /tmp, host HOME', () => {
    expect(readFileSync(outside.existing as string, 'utf8'), JSON.stringify(result.outside)).toBe('original\n');
    for (const label of ['created', 'tmp', 'home']) expect(existsSync(outside[label] as string), `${label}: ${outside[label]}`).toBe(false);
  });

  it('leaves nothing behind in the gym cache, .git or anywhere in the data directory', () => {
    expect(walkFiles(scratch.dataDirectory).filter((file) => file.includes(token))).toEqual([]);
  });

  it("never runs a planted hook, core.fsmonitor, core.hooksPath or filter driver in swe-mirror's host git", () => {
    expect(readdirSync(scratch.markers), JSON.stringify(result.git_code)).toEqual([]);
  });

  it('leaves no planted hook, git config, attributes, exclude entry or replace ref in any repository of the gym', () => {
    const hooks = walkFiles(scratch.dataDirectory).filter((file) => /\.git\/(hooks|probe-hooks)\/[^/]+$/.test(file) && !file.endsWith('.sample'));
    expect(hooks).toEqual([]);
    for (const config of gitFiles('config')) expect(readFileSync(config, 'utf8'), config).not.toMatch(/fsmonitor|hooksPath|filter "probe"/i);
    for (const attributes of gitFiles('attributes')) expect(readFileSync(attributes, 'utf8'), attributes).not.toContain('filter=probe');
    for (const exclude of gitFiles('exclude')) expect(readFileSync(exclude, 'utf8'), exclude).not.toContain('test_zz_planted');
    expect(walkFiles(scratch.dataDirectory).filter((file) => /\.git\/refs\/replace\//.test(file))).toEqual([]);
    for (const packed of gitFiles('packed-refs')) expect(readFileSync(packed, 'utf8'), packed).not.toContain('refs/replace/');
  });

  it('leaves no planted test, ignored conftest.py or stale .pyc in any working copy', () => {
    const planted = walkFiles(scratch.dataDirectory).filter(
      (file) => file.endsWith('test_zz_planted.py') || file.endsWith(path.join('target', 'conftest.py')) || /probe_lib\/__pycache__\/util\..*\.pyc$/.test(file),
    );
    expect(planted).toEqual([]);
  });

  it("the next task's verdict is unaffected: VALID, the one FAIL_TO_PASS test, both base tests PASS_TO_PASS, no other test", () => {
    const verdict = honest.verdict;
    expect(verdict?.reasons).toEqual([]);
    expect(verdict?.valid).toBe(true);
    expect(verdict?.FAIL_TO_PASS).toEqual([HONEST_ID]);
    expect([...(verdict?.PASS_TO_PASS ?? [])].sort()).toEqual(BASE_IDS);
    expect(Object.keys(verdict?.tests ?? {}).sort()).toEqual([...BASE_IDS, HONEST_ID].sort());
  });
});

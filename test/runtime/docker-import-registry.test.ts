/**
 * `swe-mirror gym import` end to end on the pull path: dataset rows written here, instance images of the names the
 * datasets use (SWE-bench's sweb.eval.x86_64.<id> with _1776_, Multi-SWE-bench's <org>_m_<repo>:pr-<n>) built from
 * the tests' base image plus a tiny repository layer, pushed to a local registry started here and removed from the
 * engine; then gym import -> gym prepare (which pulls) -> verify through the real CLI.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasImage } from '../../src/runtime/docker/base-image.js';
import { createDockerClient } from '../../src/runtime/docker/client.js';
import { hasStackTrace, runCli } from '../support/pipeline-cli.js';
import { docker, hasRegistryProgram, startLocalRegistry, type LocalRegistry } from './docker-registry-support.js';
import { ensureTestBaseImage, isDockerTestable, TEST_BASE_IMAGE } from './docker-support.js';

const isTestable = (await isDockerTestable()) && hasRegistryProgram();

const BUGGY_CALC = 'def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n';
const FIXED_CALC = BUGGY_CALC.replace('a - b', 'a + b');

describe.skipIf(!isTestable)('gym import: dataset rows into working gyms, images pulled from a local registry (real engine)', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'swe-mirror-gym-import-'));
  const repo = path.join(work, 'calc');
  const dataDirectory = path.join(work, 'data');
  const git = (cwd: string, ...args: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' });
  let registry: LocalRegistry | undefined;
  let baseCommit: string;
  let fixPatch: string;
  let testPatch: string;
  const pushed: string[] = [];

  /** Build an instance image (the repository at its base commit, .git included, at `workdir`), push it, remove it here. */
  async function publishInstanceImage(name: string, workdir: string): Promise<void> {
    const context = path.join(work, `context-${pushed.length}`);
    mkdirSync(context);
    cpSync(repo, path.join(context, 'repo'), { recursive: true });
    git(path.join(context, 'repo'), 'checkout', '-q', baseCommit);
    // SWE-bench images activate a conda env "testbed": stubbed, pytest is the system one.
    writeFileSync(path.join(context, 'Dockerfile'), `FROM ${TEST_BASE_IMAGE}\nRUN mkdir -p /opt/miniconda3/bin && touch /opt/miniconda3/bin/activate\nCOPY repo ${workdir}\nWORKDIR ${workdir}\n`);
    await docker('build', '-q', '--network', 'host', '-t', name, context);
    await docker('push', '-q', name);
    await docker('image', 'rm', name);
    pushed.push(name);
  }

  beforeAll(async () => {
    await ensureTestBaseImage();
    registry = await startLocalRegistry();
    mkdirSync(path.join(repo, 'tests'), { recursive: true });
    writeFileSync(path.join(repo, 'calc.py'), BUGGY_CALC);
    writeFileSync(path.join(repo, 'conftest.py'), '');
    writeFileSync(path.join(repo, 'tests', 'test_calc.py'), 'from calc import add, mul\n\ndef test_add_zero():\n    assert add(0, 0) == 0\n\ndef test_mul_zero():\n    assert mul(0, 5) == 0\n');
    // A test that encodes the bug: the instance's fix deletes it, so the image's copy must go at prepare.
    writeFileSync(path.join(repo, 'tests', 'test_obsolete.py'), 'from calc import add\n\ndef test_add_subtracts():\n    assert add(3, 1) == 2\n');
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'base: add subtracts');
    baseCommit = git(repo, 'rev-parse', 'HEAD').trim();
    // The instance's gold patch and its test patch, as the datasets hold them.
    writeFileSync(path.join(repo, 'calc.py'), FIXED_CALC);
    rmSync(path.join(repo, 'tests', 'test_obsolete.py'));
    fixPatch = git(repo, 'diff');
    git(repo, 'checkout', '-q', '--', 'calc.py', 'tests/test_obsolete.py');
    writeFileSync(path.join(repo, 'tests', 'test_add.py'), 'from calc import add\n\ndef test_add():\n    assert add(1, 2) == 3\n');
    git(repo, 'add', '-N', 'tests/test_add.py');
    testPatch = git(repo, 'diff');
    rmSync(path.join(repo, 'tests', 'test_add.py'));
    git(repo, 'reset', '-q');
    // A mirrored task on the gym's fixed state: mul broken, a test that catches it.
    const task = path.join(work, 'task');
    mkdirSync(task);
    writeFileSync(path.join(task, 'mirror.patch'), ['--- a/calc.py', '+++ b/calc.py', '@@ -3,4 +3,4 @@', ' ', ' ', ' def mul(a, b):', '-    return a * b', '+    return a ** b', ''].join('\n'));
    writeFileSync(path.join(task, 'test.patch'), ['--- /dev/null', '+++ b/tests/test_mul.py', '@@ -0,0 +1,4 @@', '+from calc import mul', '+', '+def test_mul():', '+    assert mul(2, 3) == 6', ''].join('\n'));
  }, 300_000);

  afterAll(async () => {
    const client = createDockerClient();
    const images = await client.listImages({ filters: { reference: ['swe-mirror/acme-calc-*'] } });
    for (const image of images) await client.getImage(image.Id).remove({ force: true }).catch(() => undefined);
    for (const name of pushed) await client.getImage(name).remove({ force: true }).catch(() => undefined);
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  async function prepareAndVerify(specPath: string, pulledImage: string): Promise<void> {
    expect(await hasImage(createDockerClient(), pulledImage)).toBe(false);
    const prepared = await runCli(['gym', 'prepare', specPath, '--data-dir', dataDirectory, '--runs', '1']);
    expect(prepared.output).toContain('tests, 0 quarantined');
    expect(prepared.code, prepared.output).toBe(0);
    // gym prepare pulled the instance image from the registry.
    expect(await hasImage(createDockerClient(), pulledImage)).toBe(true);
    // The gym commit is the fixed state: the instance's own test passes in the baseline, and the test its fix
    // deleted (still in the image, which holds the base commit) is gone.
    expect(prepared.output).toMatch(/baseline run 1\/1: 3 passed, 0 failed/);
    const verdictPath = path.join(work, `${path.basename(specPath, '.yaml')}-verdict.json`);
    const verified = await runCli(['verify', '--gym', specPath, '--task', path.join(work, 'task'), '--data-dir', dataDirectory, '--out', verdictPath]);
    expect(verified.code, verified.output).toBe(0);
    const verdict = JSON.parse(readFileSync(verdictPath, 'utf8')) as { valid: boolean; FAIL_TO_PASS: string[]; PASS_TO_PASS: string[] };
    expect(verdict.valid).toBe(true);
    expect(verdict.FAIL_TO_PASS).toEqual(['tests/test_mul.py::test_mul']);
    expect([...verdict.PASS_TO_PASS].sort()).toEqual(['tests/test_add.py::test_add', 'tests/test_calc.py::test_add_zero', 'tests/test_calc.py::test_mul_zero']);
  }

  it('a SWE-bench row: sweb.eval.x86_64.<id> (_1776_) from the registry, gym commit = base + patch + test_patch, prepare pulls, verify judges', async () => {
    const image = `${registry?.address}/swebench/sweb.eval.x86_64.acme_1776_calc-1:latest`;
    await publishInstanceImage(image, '/testbed');
    const rows = path.join(work, 'swe-bench.jsonl');
    const row = { instance_id: 'acme__calc-1', repo: 'acme/calc', base_commit: baseCommit, version: '1.0', patch: fixPatch, test_patch: testPatch, FAIL_TO_PASS: '["tests/test_add.py::test_add"]' };
    writeFileSync(rows, [row, { ...row, instance_id: 'acme__calc-2' }].map((line) => JSON.stringify(line)).join('\n') + '\n');

    const ambiguous = await runCli(['gym', 'import', rows, '--output', path.join(work, 'gyms', 'x.yaml')]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(/holds 2 rows[\s\S]*--instance acme__calc-1/);
    expect(hasStackTrace(ambiguous.stderr)).toBe(false);

    const specPath = path.join(work, 'gyms', 'calc-1.yaml');
    const imported = await runCli(['gym', 'import', rows, '--instance', 'acme__calc-1', '--registry', registry?.address ?? '', '--source', repo, '--output', specPath]);
    expect(imported.code, imported.output).toBe(0);
    expect(imported.stdout).toContain(`image ${image}`);
    const spec = readFileSync(specPath, 'utf8');
    expect(spec).toContain('repo: ./calc-1.bundle');
    expect(spec).toContain(`imageCommit: ${baseCommit}`);
    expect(spec).toContain('source /opt/miniconda3/bin/activate testbed && pytest -rA');
    await prepareAndVerify(specPath, image);

    const again = await runCli(['gym', 'import', rows, '--instance', 'acme__calc-1', '--source', repo, '--output', specPath]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists already[\s\S]*--force/);
  }, 600_000);

  it('a Multi-SWE-bench row: mswebench/<org>_m_<repo>:pr-<n> at /home/<repo>, the python runner chosen, prepare pulls, verify judges', async () => {
    const image = `${registry?.address}/mswebench/acme_m_calc:pr-7`;
    await publishInstanceImage(image, '/home/calc');
    const rows = path.join(work, 'multi-swe-bench.json');
    writeFileSync(rows, JSON.stringify({ org: 'acme', repo: 'calc', number: 7, base: { label: 'acme:main', ref: 'main', sha: baseCommit }, fix_patch: fixPatch, test_patch: testPatch, language: 'python' }));
    const specPath = path.join(work, 'gyms', 'calc-7.yaml');
    const imported = await runCli(['gym', 'import', rows, '--registry', registry?.address ?? '', '--source', repo, '--output', specPath]);
    expect(imported.code, imported.output).toBe(0);
    expect(imported.stdout).toContain('(multi-swe-bench)');
    expect(imported.stdout).toContain(`image ${image}, workdir /home/calc`);
    expect(imported.stdout).toContain('python3 -m pytest -rA -p no:cacheprovider (pytest-ra)');
    await prepareAndVerify(specPath, image);
  }, 600_000);
});

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportDataset } from '../../src/dataset/export.js';
import { createPreparedCalcGym } from '../support/git-repo.js';
import { makeTask } from '../support/records.js';

const MIRROR = 'diff --git a/calc.py b/calc.py\n--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a + b\n+    return a - b\n';
const FIX = 'diff --git a/calc.py b/calc.py\n--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b\n+    return a + b\n';
const TEST_PATCH =
  'diff --git a/tests/test_add.py b/tests/test_add.py\nnew file mode 100644\n--- /dev/null\n+++ b/tests/test_add.py\n@@ -0,0 +1,4 @@\n+from calc import add\n+\n+def test_add():\n+    assert add(2, 3) == 5\n';

function preparedGym() {
  return createPreparedCalcGym({ 'calc.py': 'def add(a, b):\n    return a + b\n', 'tests/test_base.py': 'def test_ok():\n    assert True\n' });
}

describe('exportDataset', () => {
  it('writes SWE-bench and Multi-SWE-bench records and a bundle whose commits are the base commits', async () => {
    const gym = await preparedGym();
    const task = makeTask('calc-1', {
      gym: 'calc',
      baseCommit: gym.commit,
      mirrorPatch: MIRROR,
      fixPatch: FIX,
      testPatch: TEST_PATCH,
      FAIL_TO_PASS: ['tests/test_add.py::test_add'],
      PASS_TO_PASS: ['tests/test_base.py::test_ok'],
      tests: {
        'tests/test_add.py::test_add': { run: 'NONE', test: 'FAILED', fix: 'PASSED' },
        'tests/test_base.py::test_ok': { run: 'PASSED', test: 'PASSED', fix: 'PASSED' },
      },
    });
    const out = await mkdtemp(path.join(tmpdir(), 'swe-mirror-export-'));
    const result = await exportDataset({ tasks: [task], gyms: new Map([['calc', gym]]), outDirectory: out });

    const [line] = (await readFile(result.sweBenchFile, 'utf8')).trim().split('\n');
    const record = JSON.parse(line!);
    expect(record).toMatchObject({
      instance_id: 'calc-1',
      repo: 'swe-mirror/calc',
      patch: FIX,
      mirror_patch: MIRROR,
      test_patch: TEST_PATCH,
      FAIL_TO_PASS: ['tests/test_add.py::test_add'],
      PASS_TO_PASS: ['tests/test_base.py::test_ok'],
      environment_setup_commit: gym.commit,
      log_parser: 'parse_log_pytest',
      report_format: 'pytest-ra',
      eval_type: 'pass_and_fail',
    });

    // The bundle holds the materialized buggy commit under the exported base_commit.
    const clone = await mkdtemp(path.join(tmpdir(), 'swe-mirror-clone-'));
    execFileSync('git', ['clone', '-q', result.bundles[0]!, clone]);
    execFileSync('git', ['checkout', '-q', record.base_commit], { cwd: clone });
    expect(await readFile(path.join(clone, 'calc.py'), 'utf8')).toContain('return a - b');

    // Its eval script, run on the buggy commit, fails the hidden test; with the fix applied it passes.
    const evaluate = () => spawnSync('bash', ['-c', record.eval_script], { cwd: clone, encoding: 'utf8' }).stdout;
    expect(evaluate()).toMatch(/FAILED tests\/test_add\.py::test_add[\s\S]*swe-mirror test exit code: 1/);
    execFileSync('git', ['apply', '-'], { cwd: clone, input: record.patch });
    expect(evaluate()).toMatch(/PASSED tests\/test_add\.py::test_add[\s\S]*swe-mirror test exit code: 0/);

    const multi = JSON.parse((await readFile(result.multiSweBenchFiles[0]!, 'utf8')).trim());
    expect(path.relative(out, result.multiSweBenchFiles[0]!)).toBe(path.join('multi-swe-bench', 'python', 'swe-mirror__calc_dataset.jsonl'));
    expect(multi).toMatchObject({ org: 'swe-mirror', repo: 'calc', number: 1, fix_patch: FIX, base: { sha: record.base_commit } });
    expect(multi.f2p_tests).toEqual({ 'tests/test_add.py::test_add': { run: 'NONE', test: 'FAIL', fix: 'PASS' } });
    expect(Object.keys(multi.p2p_tests)).toEqual(['tests/test_base.py::test_ok']);
    expect(multi.n2p_tests).toEqual({});
  });

  it('writes the test lists as JSON strings when asked', async () => {
    const gym = await preparedGym();
    const task = makeTask('calc-2', { gym: 'calc', baseCommit: gym.commit, mirrorPatch: MIRROR, fixPatch: FIX, testPatch: TEST_PATCH, FAIL_TO_PASS: ['a'] });
    const out = await mkdtemp(path.join(tmpdir(), 'swe-mirror-export-'));
    const result = await exportDataset({ tasks: [task], gyms: new Map([['calc', gym]]), outDirectory: out, listsAsJsonStrings: true });
    const record = JSON.parse((await readFile(result.sweBenchFile, 'utf8')).trim());
    expect(record.FAIL_TO_PASS).toBe('["a"]');
    expect((await readdir(path.join(out, 'bundles'))).sort()).toEqual(['calc.bundle']);
  });
});

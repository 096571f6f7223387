import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Task } from '../../src/core/records.js';
import { exportDataset, type ExportResult } from '../../src/dataset/export.js';
import { createPreparedCalcGym } from '../support/git-repo.js';
import { makeTask } from '../support/records.js';

/**
 * A unified diff that replaces the body line of one calc.py function (signature at `line`). add is followed
 * by a blank line, taken as trailing context: git anchors a hunk without it at the end of the file.
 */
function calcPatch(line: number, signature: string, removed: string, added: string): string {
  const isLast = signature.startsWith('def mul');
  const size = isLast ? 2 : 3;
  return `diff --git a/calc.py b/calc.py\n--- a/calc.py\n+++ b/calc.py\n@@ -${line},${size} +${line},${size} @@\n ${signature}\n-    ${removed}\n+    ${added}\n${isLast ? '' : ' \n'}`;
}

function newTestFile(file: string, lines: string[]): string {
  return `diff --git a/${file} b/${file}\nnew file mode 100644\n--- /dev/null\n+++ b/${file}\n@@ -0,0 +1,${lines.length} @@\n${lines.map((line) => `+${line}`).join('\n')}\n`;
}

const CALC = 'def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n';

export const ADD_MIRROR = calcPatch(1, 'def add(a, b):', 'return a + b', 'return a - b');
export const ADD_FIX = calcPatch(1, 'def add(a, b):', 'return a - b', 'return a + b');
export const MUL_MIRROR = calcPatch(5, 'def mul(a, b):', 'return a * b', 'return a + b');
export const MUL_FIX = calcPatch(5, 'def mul(a, b):', 'return a + b', 'return a * b');
/** Applies on the mul task's buggy commit but leaves the bug in place. */
export const MUL_NON_FIX = calcPatch(5, 'def mul(a, b):', 'return a + b', 'return b + a');

export const ADD_TEST = 'tests/test_add.py::test_add';
export const MUL_TEST = 'tests/test_mul.py::test_mul';
export const BASE_TEST = 'tests/test_base.py::test_ok';

/** Two real tasks on a tiny pytest gym: one breaks add, one breaks mul; each adds a hidden test. */
export function calcTasks(): Task[] {
  return [
    makeTask('calc-add', {
      gym: 'calc',
      mirrorPatch: ADD_MIRROR,
      fixPatch: ADD_FIX,
      testPatch: newTestFile('tests/test_add.py', ['from calc import add', '', '', 'def test_add():', '    assert add(2, 3) == 5']),
      FAIL_TO_PASS: [ADD_TEST],
      PASS_TO_PASS: [BASE_TEST],
    }),
    makeTask('calc-mul', {
      gym: 'calc',
      mirrorPatch: MUL_MIRROR,
      fixPatch: MUL_FIX,
      testPatch: newTestFile('tests/test_mul.py', ['from calc import mul', '', '', 'def test_mul():', '    assert mul(2, 3) == 6']),
      FAIL_TO_PASS: [MUL_TEST],
      PASS_TO_PASS: [BASE_TEST],
      createdAt: '2024-01-02T00:00:00.000Z',
    }),
  ];
}

/** Export the calc tasks with the real exporter into a fresh temporary directory. */
export async function exportCalcTasks(tasks: Task[] = calcTasks(), options: { parquet?: boolean; listsAsJsonStrings?: boolean } = {}): Promise<ExportResult> {
  const gym = await createPreparedCalcGym({ 'calc.py': CALC, 'tests/test_base.py': 'def test_ok():\n    assert True\n' }, { baselineRuns: 1 });
  const out = await mkdtemp(path.join(tmpdir(), 'swe-mirror-validate-export-'));
  // The tasks are made for this gym: verified on the commit it was just prepared at.
  const onGym = tasks.map((task) => ({ ...task, baseCommit: gym.commit }));
  return exportDataset({ tasks: onGym, gyms: new Map([['calc', gym]]), outDirectory: out, ...options });
}

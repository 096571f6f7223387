import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRepo, git, resetRepo, writeTree, type FileTree } from './git-repo.js';

/** A tiny real Python library with a pytest suite, as a git repository holding its own gym.yaml. */
export const CALC_FILES: FileTree = {
  'gym.yaml': [
    'name: calc',
    'language: python',
    'repo: .',
    'test:',
    '  command: python -m pytest -rA -p no:cacheprovider',
    '  filesCommand: python -m pytest -rA -p no:cacheprovider {files}',
    '  report:',
    '    format: pytest-ra',
    'testFiles:',
    '  - "tests/**"',
    'timeLimitSeconds: 60',
    '',
  ].join('\n'),
  '.gitignore': '.counter\n',
  'calc/__init__.py': [
    'def add(a, b):',
    '    return a + b',
    '',
    '',
    'def clamp(value, low, high):',
    '    return max(low, min(value, high))',
    '',
  ].join('\n'),
  'tests/test_calc.py': [
    'from calc import add, clamp',
    '',
    '',
    'def test_add():',
    '    assert add(2, 3) == 5',
    '',
    '',
    'def test_clamp_inside():',
    '    assert clamp(5, 0, 10) == 5',
    '',
  ].join('\n'),
};

export const BUGGY_CLAMP = 'return max(low, min(value, high))';

/** Create the gym's repository; returns its root (gym.yaml inside). */
export function createCalcGym(): string {
  return createRepo(CALC_FILES, 'swe-mirror-calc-');
}

/** Make a change in the gym repository, return it as a git diff, restore HEAD. */
export function patchOf(root: string, change: () => void): string {
  change();
  git(root, 'add', '-A');
  const patch = git(root, 'diff', '--cached', 'HEAD');
  resetRepo(root);
  return patch;
}

/** Replace text in one file of the repository. */
export function edit(root: string, file: string, from: string, to: string): void {
  const target = path.join(root, file);
  const before = (CALC_FILES[file] as string | undefined) ?? '';
  if (!before.includes(from)) throw new Error(`${file} does not contain ${from}`);
  writeFileSync(target, before.replace(from, to));
}

/** Append a test function to tests/test_calc.py. */
export function addTest(root: string, source: string): void {
  writeTree(root, { 'tests/test_calc.py': `${CALC_FILES['tests/test_calc.py'] as string}\n\n${source}\n` });
}

/** The patches of every task the verify tests use, built from real edits. */
type CalcTaskName = 'valid' | 'no-fail-to-pass' | 'changes-existing' | 'fix-regresses' | 'flaky' | 'mirror-touches-tests';

export function buildCalcTasks(root: string): Record<CalcTaskName, { mirror: string; test: string; fix?: string }> {
  const mirror = patchOf(root, () => edit(root, 'calc/__init__.py', BUGGY_CLAMP, 'return max(low, value)'));
  const catchesBug = patchOf(root, () => addTest(root, 'def test_clamp_above():\n    assert clamp(15, 0, 10) == 10'));
  const missesBug = patchOf(root, () => addTest(root, 'def test_clamp_below():\n    assert clamp(-5, 0, 10) == 0'));
  // Rewrites test_clamp_inside so it fails on the bug (PASSED → FAILED between run and test) and adds test_clamp_above.
  const changesExisting = patchOf(root, () => {
    const tests = (CALC_FILES['tests/test_calc.py'] as string).replace('clamp(5, 0, 10) == 5', 'clamp(50, 0, 10) == 10');
    writeTree(root, { 'tests/test_calc.py': `${tests}\n\ndef test_clamp_above():\n    assert clamp(15, 0, 10) == 10\n` });
  });
  // A new test that alternates with a run counter the host writes before each run (see test/support/changing-environment.ts).
  const flaky = patchOf(root, () =>
    addTest(
      root,
      [
        'def test_clamp_above():',
        '    assert clamp(15, 0, 10) == 10',
        '',
        '',
        'def test_coin():',
        '    import os',
        '    count = int(open(".counter").read()) if os.path.exists(".counter") else 0',
        '    open(".counter", "w").write(str(count + 1))',
        '    assert count % 2 == 0',
      ].join('\n'),
    ),
  );
  const mirrorTouchingTests = patchOf(root, () => {
    edit(root, 'calc/__init__.py', BUGGY_CLAMP, 'return max(low, value)');
    writeTree(root, { 'tests/helpers.py': 'HELP = 1\n' });
  });
  return {
    valid: { mirror, test: catchesBug },
    'no-fail-to-pass': { mirror, test: missesBug },
    'changes-existing': { mirror, test: changesExisting },
    'fix-regresses': { mirror, test: catchesBug, fix: buildRegressingFix(root) },
    flaky: { mirror, test: flaky },
    'mirror-touches-tests': { mirror: mirrorTouchingTests, test: catchesBug },
  };
}

/** A fix.patch, written against the buggy state, that repairs clamp but breaks add (test_add: PASSED → PASSED → FAILED). */
function buildRegressingFix(root: string): string {
  edit(root, 'calc/__init__.py', BUGGY_CLAMP, 'return max(low, value)');
  git(root, 'commit', '-q', '-am', 'bug');
  writeTree(root, { 'calc/__init__.py': (CALC_FILES['calc/__init__.py'] as string).replace('return a + b', 'return a - b') });
  const fix = git(root, 'diff');
  git(root, 'reset', '-q', '--hard', 'HEAD~1');
  return fix;
}

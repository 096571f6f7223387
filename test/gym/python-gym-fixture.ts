import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A tiny python gym as a plain directory: one passing, one failing, one flaky test (flips via an ignored counter file). */
export const PYTHON_GYM_FILES: Record<string, string> = {
  '.gitignore': '.flaky-counter\n',
  'calc.py': 'def add(left, right):\n    return left + right\n',
  'tests/__init__.py': '',
  'tests/test_calc.py': [
    'import pathlib',
    'from calc import add',
    '',
    'def test_add():',
    '    assert add(2, 3) == 5',
    '',
    'def test_broken():',
    '    assert add(2, 2) == 5',
    '',
    'def test_flaky():',
    '    counter = pathlib.Path(".flaky-counter")',
    '    count = int(counter.read_text()) if counter.exists() else 0',
    '    counter.write_text(str(count + 1))',
    '    assert count % 2 == 0',
    '',
  ].join('\n'),
  'tests/test_other.py': 'def test_other():\n    assert True\n',
};

export interface GymFixture {
  root: string;
  specPath: string;
  codeDirectory: string;
  dataDirectory: string;
}

/** Write the gym's code and spec under a fresh temp directory (never under a "test" path segment). */
export async function writePythonGym(specOverrides: string[] = [], files: Record<string, string> = PYTHON_GYM_FILES): Promise<GymFixture> {
  const root = await mkdtemp(path.join(tmpdir(), 'swe-mirror-gym-'));
  const codeDirectory = path.join(root, 'code');
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(codeDirectory, name)), { recursive: true });
    await writeFile(path.join(codeDirectory, name), content);
  }
  const spec = [
    'name: calc',
    'language: python',
    'repo: ./code',
    'install:',
    '  - mkdir -p node_modules && echo installed >> node_modules/.install-count',
    'test:',
    '  command: python -m pytest -rA -p no:cacheprovider',
    '  filesCommand: python -m pytest -rA -p no:cacheprovider {files}',
    '  report: { format: pytest-ra }',
    'testFiles: ["tests/**"]',
    'timeLimitSeconds: 60',
    ...specOverrides,
  ];
  const specPath = path.join(root, 'gym.yaml');
  await writeFile(specPath, `${spec.join('\n')}\n`);
  return { root, specPath, codeDirectory, dataDirectory: path.join(root, 'data') };
}

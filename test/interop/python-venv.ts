import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * The Python that has the real `datasets`, `swebench` and `multi-swe-bench` packages (test/interop/requirements.txt):
 * $SWE_MIRROR_INTEROP_PYTHON, else the venv .ci/run creates. Tests that need it skip, saying why, when neither exists.
 */
export const INTEROP_PYTHON = process.env.SWE_MIRROR_INTEROP_PYTHON ?? '/tmp/swe-mirror-interop-venv/bin/python';
export const hasInteropPython = existsSync(INTEROP_PYTHON);
export const SKIP_REASON = `no Python with datasets/swebench/multi-swe-bench at ${INTEROP_PYTHON}: run .ci/run, or create the venv (python3 -m venv /tmp/swe-mirror-interop-venv && /tmp/swe-mirror-interop-venv/bin/pip install -r test/interop/requirements.txt) or set SWE_MIRROR_INTEROP_PYTHON`;

if (!hasInteropPython) process.stderr.write(`interop tests skipped: ${SKIP_REASON}\n`);

/** Run one of the Python scripts beside this file with arguments; returns its parsed JSON stdout, or throws with its stderr. */
export function runInteropScript(script: string, ...args: string[]): unknown {
  const repository = path.resolve(import.meta.dirname, '..', '..');
  const env = {
    ...process.env,
    HF_DATASETS_OFFLINE: '1',
    HF_HUB_OFFLINE: '1',
    // The modules the export ships, and the swe-mirror they call back, both from this checkout.
    PYTHONPATH: path.join(repository, 'python'),
    SWE_MIRROR_COMMAND: `${process.execPath} --import tsx ${path.join(repository, 'src', 'cli', 'main.ts')}`,
  };
  const result = spawnSync(INTEROP_PYTHON, [path.join(import.meta.dirname, script), ...args], { encoding: 'utf8', env, cwd: repository });
  if (result.status !== 0) throw new Error(`${script} exited ${result.status}:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? 'null');
}

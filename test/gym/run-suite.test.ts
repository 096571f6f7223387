import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadGymSpec } from '../../src/config/load-gym-spec.js';
import { prepareGym } from '../../src/gym/prepare.js';
import { buildSuiteCommand, quoteForShell, runSuite } from '../../src/gym/run-suite.js';
import type { PreparedGym } from '../../src/gym/types.js';
import { acquireWorkingCopy } from '../../src/gym/working-copies.js';
import { runGit } from '../../src/core/git.js';
import { createLocalRuntime } from '../../src/runtime/local.js';
import { writePythonGym } from './python-gym-fixture.js';

const runtime = createLocalRuntime();

describe('runSuite and working copies', () => {
  let gym: PreparedGym;

  beforeAll(async () => {
    const fixture = await writePythonGym(['baselineRuns: 1']);
    gym = await prepareGym(await loadGymSpec(fixture.specPath), { dataDirectory: fixture.dataDirectory, runtime });
  });

  it('runs the whole suite in the sandbox and parses its report', async () => {
    const logPath = path.join(gym.directory, 'logs', 'whole.log');
    const run = await runSuite(gym, { runtime, logPath });
    expect(run.report.hasEvidence).toBe(true);
    expect(run.report.tests['tests/test_calc.py::test_add']).toBe('PASSED');
    expect(run.report.tests['tests/test_other.py::test_other']).toBe('PASSED');
    expect(run.process.exitCode).toBe(1);
    expect(await readFile(logPath, 'utf8')).toContain('test_broken');
  });

  it('runs only the given files through filesCommand, quoting them', async () => {
    expect(buildSuiteCommand(gym, ['tests/test_other.py', "odd name's.py"])).toBe(
      `python -m pytest -rA -p no:cacheprovider tests/test_other.py 'odd name'"'"'s.py'`,
    );
    expect(quoteForShell('$(rm -rf /)')).toBe(`'$(rm -rf /)'`);
    const run = await runSuite(gym, { runtime, files: ['tests/test_other.py'] });
    expect(Object.keys(run.report.tests)).toEqual(['tests/test_other.py::test_other']);
  });

  it('reports a run that hangs as timed out, with the flags of the process', async () => {
    const hanging: PreparedGym = { ...gym, spec: { ...gym.spec, timeLimitSeconds: 1, test: { ...gym.spec.test, command: 'sleep 30' } } };
    const run = await runSuite(hanging, { runtime });
    expect(run.process.timedOut).toBe(true);
    expect(run.report.hasEvidence).toBe(false);
  });

  it('makes separate working copies per slot, with install artefacts, reset to the gym commit', async () => {
    expect(await acquireWorkingCopy(gym, 0)).toBe(gym.workdir);
    await writeFile(path.join(gym.workdir, 'scratch.txt'), 'dirty');
    const copy = await acquireWorkingCopy(gym, 1);
    expect(copy).toBe(path.join(gym.directory, 'copies', '1'));
    expect(existsSync(path.join(copy, 'node_modules', '.install-count'))).toBe(true);
    expect(existsSync(path.join(copy, 'scratch.txt'))).toBe(false);
    expect((await runGit(copy, ['rev-parse', 'HEAD'])).trim()).toBe(gym.commit);
    await writeFile(path.join(copy, 'calc.py'), 'def add(left, right):\n    return 0\n');
    expect(await acquireWorkingCopy(gym, 1)).toBe(copy);
    const run = await runSuite(gym, { runtime, workdir: copy });
    expect(run.report.tests['tests/test_calc.py::test_add']).toBe('FAILED');
    expect(await readFile(path.join(gym.workdir, 'calc.py'), 'utf8')).toContain('left + right');
  });
});

import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadGymSpec } from '../../src/config/load-gym-spec.js';
import { prepareGym } from '../../src/gym/prepare.js';
import { buildSuiteCommand, quoteForShell, runSuite } from '../../src/gym/run-suite.js';
import type { PreparedGym } from '../../src/gym/types.js';
import { leaseWorkingCopy } from '../../src/gym/working-copies.js';
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

  it('leases separate working copies, copied from the prepared tree with install artefacts, reset at lease and release', async () => {
    const first = await leaseWorkingCopy(gym);
    const second = await leaseWorkingCopy(gym);
    expect(first.workdir).toBe(path.join(gym.directory, 'copies', '0'));
    expect(second.workdir).toBe(path.join(gym.directory, 'copies', '1'));
    expect(existsSync(path.join(second.workdir, 'node_modules', '.install-count'))).toBe(true);
    expect((await runGit(second.workdir, ['rev-parse', 'HEAD'])).trim()).toBe(gym.commit);
    await writeFile(path.join(second.workdir, 'calc.py'), 'def add(left, right):\n    return 0\n');
    await writeFile(path.join(second.workdir, 'scratch.txt'), 'dirty');
    const run = await runSuite(gym, { runtime, workdir: second.workdir });
    expect(run.report.tests['tests/test_calc.py::test_add']).toBe('FAILED');
    expect(await readFile(path.join(gym.workdir, 'calc.py'), 'utf8')).toContain('left + right');
    await second.release();
    await first.release();
    const again = await leaseWorkingCopy(gym);
    expect(again.workdir).toBe(first.workdir);
    const reused = await leaseWorkingCopy(gym);
    expect(reused.workdir).toBe(second.workdir);
    expect(existsSync(path.join(reused.workdir, 'scratch.txt'))).toBe(false);
    expect(await readFile(path.join(reused.workdir, 'calc.py'), 'utf8')).toContain('left + right');
    await Promise.all([again.release(), reused.release()]);
  });
});

import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadGymSpec } from '../../src/config/load-gym-spec.js';
import type { SweMirrorError } from '../../src/core/errors.js';
import { findBaselineRunProblem, findQuarantineProblem } from '../../src/gym/baseline-check.js';
import { prepareGym } from '../../src/gym/prepare.js';
import { createLocalRuntime } from '../../src/runtime/local.js';
import { writePythonGym } from './python-gym-fixture.js';

const runtime = createLocalRuntime();
const facts = (exitCode: number | null, tests: Record<string, 'PASSED' | 'FAILED'>, warnings: string[] = []) => ({
  exitCode,
  timedOut: false,
  outOfMemory: false,
  report: { tests, warnings },
});

describe('findBaselineRunProblem', () => {
  it('accepts a run with results, failing tests included, whatever its exit code', () => {
    expect(findBaselineRunProblem(facts(0, { a: 'PASSED' }))).toBeUndefined();
    expect(findBaselineRunProblem(facts(1, { a: 'PASSED', b: 'FAILED' }))).toBeUndefined();
  });

  it('names each way a run proves nothing', () => {
    expect(findBaselineRunProblem(facts(0, {}))).toBe('it ran zero tests');
    expect(findBaselineRunProblem(facts(101, {}, ['the build failed (lib): error[E0425]; tests of the failed build are absent']))).toMatch(/^the build failed: /);
    expect(findBaselineRunProblem(facts(1, { a: 'PASSED' }))).toMatch(/exited with 1 but the report shows no failing test \(1 read\)/);
    expect(findBaselineRunProblem({ ...facts(null, { a: 'PASSED' }), timedOut: true })).toMatch(/time limit/);
  });
});

describe('findQuarantineProblem', () => {
  it('allows a few percent (at least one test) and refuses more', () => {
    expect(findQuarantineProblem(1, 4)).toBeUndefined();
    expect(findQuarantineProblem(5, 100)).toBeUndefined();
    expect(findQuarantineProblem(6, 100)).toBe('6 of 100 tests (6%) changed status between baseline runs; at most 5 (5%) may be quarantined');
  });
});

/** Prepare a pytest gym whose code is `files`; the error it is refused with. */
async function prepareRefused(files: Record<string, string>, specOverrides: string[] = []): Promise<SweMirrorError> {
  const fixture = await writePythonGym(specOverrides, files);
  try {
    const error = await prepareGym(await loadGymSpec(fixture.specPath), { dataDirectory: fixture.dataDirectory, runtime, baselineRuns: 2 }).then(
      () => undefined,
      (caught: unknown) => caught as SweMirrorError,
    );
    if (!error) throw new Error('the gym prepared, but it should have been refused');
    return error;
  } finally {
    await rm(fixture.root, { recursive: true, force: true });
  }
}

describe('prepareGym refuses a baseline that proves nothing (real pytest)', () => {
  it('refuses a suite that runs zero tests, with the output tail', async () => {
    const error = await prepareRefused({ 'calc.py': 'X = 1\n', 'tests/test_calc.py': '# no tests yet\n' });
    expect(error.code).toBe('GYM_BASELINE_PROVES_NOTHING');
    expect(error.message).toContain('proves nothing: it ran zero tests');
    expect(error.message).toContain('no tests ran');
  });

  it('refuses a non-zero exit where the report shows nothing failing', async () => {
    // pytest prints its -rA summary, then the plugin hook kills the process with 3: something failed the report does not show.
    const error = await prepareRefused({
      'calc.py': 'X = 1\n',
      'tests/test_calc.py': 'def test_one():\n    assert True\n',
      'conftest.py': 'import os\nimport sys\n\ndef pytest_unconfigure(config):\n    sys.stdout.flush()\n    os._exit(3)\n',
    });
    expect(error.code).toBe('GYM_BASELINE_PROVES_NOTHING');
    expect(error.message).toContain('exited with 3 but the report shows no failing test (1 read)');
    expect(error.message).toContain('PASSED tests/test_calc.py::test_one');
  });

  it('refuses a baseline where more than a few percent of tests change status, unless the spec quarantines them', async () => {
    // Ids that change every run (a timestamp in the name) are the common real cause: every test looks flaky.
    const files = {
      'calc.py': 'X = 1\n',
      'tests/test_calc.py': 'import time\nimport pytest\n\n@pytest.mark.parametrize("stamp", [time.time_ns()])\ndef test_stamped(stamp):\n    assert True\n\ndef test_plain():\n    assert True\n',
    };
    const error = await prepareRefused(files);
    expect(error.code).toBe('GYM_BASELINE_UNSTABLE');
    expect(error.message).toMatch(/changed status between baseline runs; at most 1 \(5%\) may be quarantined/);
    expect(error.hint).toContain('quarantine:');
  });
});

describe('prepareGym with a spec quarantine list', () => {
  it('loads the list into the prepared gym (verify excludes those tests like the baseline\'s)', async () => {
    const fixture = await writePythonGym(['quarantine: ["tests/test_calc.py::test_flaky", "tests/test_calc.py::test_broken"]']);
    const gym = await prepareGym(await loadGymSpec(fixture.specPath), { dataDirectory: fixture.dataDirectory, runtime });
    expect(gym.spec.quarantine).toEqual(['tests/test_calc.py::test_flaky', 'tests/test_calc.py::test_broken']);
    await rm(fixture.root, { recursive: true, force: true });
  });
});

import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadGymSpec } from '../../src/config/load-gym-spec.js';
import { SweMirrorError } from '../../src/core/errors.js';
import { runGit } from '../../src/core/git.js';
import { listPreparedGyms, loadPreparedGym, prepareGym, type GymPrepareEvent } from '../../src/gym/prepare.js';
import type { PreparedGym } from '../../src/gym/types.js';
import { createLocalRuntime } from '../../src/runtime/local.js';
import { PYTHON_GYM_FILES, writePythonGym, type GymFixture } from './python-gym-fixture.js';

const runtime = createLocalRuntime();

describe('prepareGym on a generated python gym', () => {
  let fixture: GymFixture;
  let gym: PreparedGym;
  const events: GymPrepareEvent[] = [];

  beforeAll(async () => {
    fixture = await writePythonGym();
    gym = await prepareGym(await loadGymSpec(fixture.specPath), {
      dataDirectory: fixture.dataDirectory,
      runtime,
            onEvent: (event) => events.push(event),
    });
  });

  it('copies the plain directory into a git repository at a stable commit, under <data>/gyms/<name>-<hash12>', async () => {
    expect(gym.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(gym.directory).toBe(path.join(fixture.dataDirectory, 'gyms', `calc-${gym.specHash.slice(0, 12)}`));
    expect(await readFile(path.join(gym.workdir, 'calc.py'), 'utf8')).toContain('def add');
    expect(existsSync(path.join(gym.directory, 'state.json'))).toBe(true);
    // Same content, same deterministic author and date: the same commit id elsewhere.
    const again = await writePythonGym();
    const other = await prepareGym(await loadGymSpec(again.specPath), { dataDirectory: again.dataDirectory, runtime, baselineRuns: 1 });
    expect(other.commit).toBe(gym.commit);
  });

  it('records the baseline and quarantines the test that flips between runs', () => {
    expect(gym.baseline.runs).toBe(3);
    expect(gym.baseline.durationsMs).toHaveLength(3);
    expect(gym.baseline.tests['tests/test_calc.py::test_add']).toBe('PASSED');
    expect(gym.baseline.tests['tests/test_calc.py::test_broken']).toBe('FAILED');
    expect(gym.baseline.quarantined).toEqual(['tests/test_calc.py::test_flaky']);
    const baselineEvents = events.filter((event) => event.type === 'baseline-run');
    expect(baselineEvents).toHaveLength(3);
  });

  it('leaves the working copy clean with install artefacts kept and ignored', async () => {
    expect(await runGit(gym.workdir, ['status', '--porcelain'])).toBe('');
    expect(await readFile(path.join(gym.workdir, 'node_modules', '.install-count'), 'utf8')).toBe('installed\n');
    expect(await readFile(path.join(gym.workdir, '.git', 'info', 'exclude'), 'utf8')).toContain('node_modules/');
  });

  it('reuses the prepared state without reinstalling, and prepares again with force', async () => {
    const loaded = await loadGymSpec(fixture.specPath);
    const secondEvents: GymPrepareEvent[] = [];
    const startedAt = Date.now();
    const cached = await prepareGym(loaded, { dataDirectory: fixture.dataDirectory, runtime, onEvent: (event) => secondEvents.push(event) });
    expect(Date.now() - startedAt).toBeLessThan(1000);
    expect(secondEvents.map((event) => event.type)).toEqual(['cached']);
    expect(cached.preparedAt).toBe(gym.preparedAt);
    expect(await readFile(path.join(gym.workdir, 'node_modules', '.install-count'), 'utf8')).toBe('installed\n');

    const forced = await prepareGym(loaded, { dataDirectory: fixture.dataDirectory, runtime, force: true, baselineRuns: 1 });
    expect(forced.preparedAt).not.toBe(gym.preparedAt);
    expect(forced.baseline.runs).toBe(1);
    gym = forced;
  });

  it('loads and lists prepared gyms', async () => {
    const loaded = await loadPreparedGym(fixture.specPath, { dataDirectory: fixture.dataDirectory });
    expect(loaded.commit).toBe(gym.commit);
    const listed = await listPreparedGyms(fixture.dataDirectory);
    expect(listed.map((entry) => entry.spec.name)).toEqual(['calc']);
  });

  it('keys the cache on the directory content: an edited fixture is a different gym', async () => {
    await writeFile(path.join(fixture.codeDirectory, 'calc.py'), 'def add(left, right):\n    return right + left\n');
    const error = await loadPreparedGym(fixture.specPath, { dataDirectory: fixture.dataDirectory }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SweMirrorError);
    expect((error as SweMirrorError).code).toBe('GYM_NOT_PREPARED');
    expect((error as SweMirrorError).hint).toContain('swe-mirror gym prepare');
  });
});

describe('prepareGym failures', () => {
  it('reports an install failure with the log tail and the log path', async () => {
    const fixture = await writePythonGym();
    const spec = (await readFile(fixture.specPath, 'utf8')).replace(
      '  - mkdir -p node_modules && echo installed >> node_modules/.install-count',
      `  - 'echo "resolving packages"; echo "boom: no matching distribution for left-pad" >&2; exit 3'`,
    );
    await writeFile(fixture.specPath, spec);
    const error = await prepareGym(await loadGymSpec(fixture.specPath), { dataDirectory: fixture.dataDirectory, runtime }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(SweMirrorError);
    const failure = error as SweMirrorError;
    expect(failure.code).toBe('GYM_INSTALL_FAILED');
    expect(failure.message).toContain('exited with 3');
    expect(failure.message).toContain('boom: no matching distribution for left-pad');
    expect(failure.message).toContain('resolving packages');
    expect(existsSync(failure.details.logPath as string)).toBe(true);
    expect(failure.hint).toContain(fixture.specPath);
  });

  it('treats a baseline without evidence that the suite ran as an infrastructure failure', async () => {
    const fixture = await writePythonGym();
    const spec = (await readFile(fixture.specPath, 'utf8')).replace('  command: python -m pytest -rA -p no:cacheprovider', `  command: 'echo "pytest: command not found" >&2; exit 127'`);
    await writeFile(fixture.specPath, spec);
    const error = await prepareGym(await loadGymSpec(fixture.specPath), { dataDirectory: fixture.dataDirectory, runtime }).catch(
      (caught: unknown) => caught,
    );
    expect((error as SweMirrorError).code).toBe('GYM_BASELINE_NO_EVIDENCE');
    expect((error as SweMirrorError).kind).toBe('infrastructure');
    expect((error as SweMirrorError).message).toContain('pytest: command not found');
  });
});

describe('prepareGym sourceExclude', () => {
  it('leaves excluded paths (hidden task patches, the spec) out of a copied plain directory and its cache key', async () => {
    const files = { ...PYTHON_GYM_FILES, 'tasks/valid/mirror.patch': 'secret\n', 'gym.yaml': 'name: calc\n' };
    const fixture = await writePythonGym(['sourceExclude: ["tasks/**", "gym.yaml"]'], files);
    const gym = await prepareGym(await loadGymSpec(fixture.specPath), { dataDirectory: fixture.dataDirectory, runtime, baselineRuns: 1 });
    const tracked = (await runGit(gym.workdir, ['ls-files'])).trim().split('\n');
    expect(tracked).toContain('calc.py');
    expect(tracked.filter((file) => file.startsWith('tasks/') || file === 'gym.yaml')).toEqual([]);
    // Editing an excluded file does not invalidate the prepared gym.
    await writeFile(path.join(fixture.codeDirectory, 'tasks/valid/mirror.patch'), 'changed\n');
    const again = await loadPreparedGym(fixture.specPath, { dataDirectory: fixture.dataDirectory });
    expect(again.workdir).toBe(gym.workdir);
  });
});

import { existsSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadGymSpec } from '../../src/config/load-gym-spec.js';
import { SweMirrorError } from '../../src/core/errors.js';
import { prepareGym } from '../../src/gym/prepare.js';
import { resetGymWorkingCopy } from '../../src/gym/reset.js';
import { findIntegrityProblems, sanitizeRepository } from '../../src/gym/integrity.js';
import { bundleSubmodules } from '../../src/gym/submodules.js';
import { withWorkingCopy } from '../../src/gym/working-copies.js';
import { exportDataset } from '../../src/dataset/export.js';
import { makeTask } from '../support/records.js';
import { createLocalRuntime } from '../../src/runtime/local.js';
import { createRepo, git, writeTree } from '../verify/support/git-repo.js';

const runtime = createLocalRuntime();
const SPEC = [
  'name: with-data',
  'language: python',
  'repo: ./super',
  'test:',
  '  command: python -m pytest -rA -p no:cacheprovider',
  '  report: { format: pytest-ra }',
  'testFiles: ["tests/**"]',
  'baselineRuns: 1',
  'timeLimitSeconds: 60',
];

/**
 * A superproject whose test reads its data from a submodule (`data`, relative URL `../data`), recorded at the data
 * repository's first commit; the data repository has moved on since, so only the recorded commit makes the test pass.
 */
function createGymWithSubmodule(): { root: string; dataRepository: string; superRepository: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'swe-mirror-submodules-'));
  const dataRepository = createRepo({ 'values.txt': '1 2 3\n' });
  renameSync(dataRepository, path.join(root, 'data'));
  const superRepository = createRepo({
    'calc.py': 'def add(a, b):\n    return a + b\n',
    'tests/__init__.py': '',
    'tests/test_data.py': 'import pathlib\n\ndef test_values_sum_to_six():\n    assert sum(int(x) for x in pathlib.Path("data/values.txt").read_text().split()) == 6\n',
  });
  renameSync(superRepository, path.join(root, 'super'));
  const data = path.join(root, 'data');
  const superproject = path.join(root, 'super');
  git(superproject, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', '../data', 'data');
  git(superproject, 'commit', '-q', '-m', 'data as a submodule');
  writeTree(data, { 'values.txt': '100\n' });
  git(data, 'commit', '-q', '-am', 'later data');
  return { root, dataRepository: data, superRepository: superproject };
}

describe('gym submodules', () => {
  let fixture: ReturnType<typeof createGymWithSubmodule>;
  beforeAll(() => {
    fixture = createGymWithSubmodule();
  });
  const writeSpec = (extra: string[] = []): string => {
    const specPath = path.join(fixture.root, `gym-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(specPath, `${[...SPEC, ...extra].join('\n')}\n`);
    return specPath;
  };

  it('prepares with submodules at their recorded commits; working copies carry them and resets undo edits inside them', async () => {
    const specPath = writeSpec();
    const gym = await prepareGym(await loadGymSpec(specPath), { dataDirectory: path.join(fixture.root, 'data-1'), runtime });
    // The submodule's repository (git's own core.worktree inside the gym) passes the integrity check: the gym is reused.
    expect(await findIntegrityProblems(gym.workdir, gym.commit)).toEqual([]);
    const events: string[] = [];
    await prepareGym(await loadGymSpec(specPath), { dataDirectory: path.join(fixture.root, 'data-1'), runtime, onEvent: (event) => events.push(event.type) });
    expect(events).toEqual(['cached']);
    expect(readFileSync(path.join(gym.workdir, 'data', 'values.txt'), 'utf8')).toBe('1 2 3\n');
    expect(gym.baseline.tests['tests/test_data.py::test_values_sum_to_six']).toBe('PASSED');
    await withWorkingCopy(gym, async (workdir) => {
      expect(readFileSync(path.join(workdir, 'data', 'values.txt'), 'utf8')).toBe('1 2 3\n');
      writeFileSync(path.join(workdir, 'data', 'values.txt'), 'edited\n');
      writeFileSync(path.join(workdir, 'data', 'stray.txt'), 'left by a step\n');
      await resetGymWorkingCopy(gym, workdir);
      expect(readFileSync(path.join(workdir, 'data', 'values.txt'), 'utf8')).toBe('1 2 3\n');
      expect(existsSync(path.join(workdir, 'data', 'stray.txt'))).toBe(false);
      expect(git(workdir, 'status', '--porcelain')).toBe('');
    });
  });

  it('holds submodule repositories to the integrity rules: hooks and config that would run programs or leave the gym', async () => {
    const gym = await prepareGym(await loadGymSpec(writeSpec()), { dataDirectory: path.join(fixture.root, 'data-7'), runtime });
    const moduleDirectory = path.join(gym.workdir, '.git', 'modules', 'data');
    writeFileSync(path.join(moduleDirectory, 'hooks', 'post-checkout'), '#!/bin/sh\ntouch /tmp/owned\n', { mode: 0o755 });
    git(gym.workdir, 'config', '--file', path.join(moduleDirectory, 'config'), 'core.fsmonitor', 'touch /tmp/owned');
    git(gym.workdir, 'config', '--file', path.join(moduleDirectory, 'config'), 'core.worktree', '/tmp');
    expect(await findIntegrityProblems(gym.workdir)).toEqual([
      'hook .git/modules/data/hooks/post-checkout',
      'config core.worktree of .git/modules/data',
      'config core.fsmonitor of .git/modules/data',
    ]);
    await sanitizeRepository(gym.workdir);
    expect(await findIntegrityProblems(gym.workdir)).toEqual([]);
  });

  it('exports each submodule as a bundle named in the exported spec, so the exported gym prepares offline', async () => {
    const gym = await prepareGym(await loadGymSpec(writeSpec()), { dataDirectory: path.join(fixture.root, 'data-8'), runtime });
    const mirror = 'diff --git a/calc.py b/calc.py\n--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a + b\n+    return a - b\n';
    const task = makeTask('with-data-1', { gym: 'with-data', baseCommit: gym.commit, mirrorPatch: mirror });
    const out = mkdtempSync(path.join(os.tmpdir(), 'swe-mirror-export-'));
    const result = await exportDataset({ tasks: [task], gyms: new Map([['with-data', gym]]), outDirectory: out });
    const exportedSpec = path.join(out, 'gyms', 'with-data.yaml');
    expect(readFileSync(exportedSpec, 'utf8')).toContain('data: ../bundles/with-data--data.bundle');
    expect(result.bundles.map((file) => path.basename(file)).sort()).toEqual(['with-data--data.bundle', 'with-data.bundle']);
    const gone = `${fixture.dataRepository}-gone`;
    renameSync(fixture.dataRepository, gone);
    try {
      const consumer = await prepareGym(await loadGymSpec(exportedSpec), { dataDirectory: path.join(fixture.root, 'data-9'), runtime });
      expect(readFileSync(path.join(consumer.workdir, 'data', 'values.txt'), 'utf8')).toBe('1 2 3\n');
      expect(consumer.baseline.tests['tests/test_data.py::test_values_sum_to_six']).toBe('PASSED');
    } finally {
      renameSync(gone, fixture.dataRepository);
    }
  });

  it('leaves them empty with submodules: false', async () => {
    const gym = await prepareGym(await loadGymSpec(writeSpec(['submodules: false'])), { dataDirectory: path.join(fixture.root, 'data-2'), runtime });
    expect(existsSync(path.join(gym.workdir, 'data', 'values.txt'))).toBe(false);
    // Without its data the test fails, as at any commit whose submodules are not checked out.
    expect(gym.baseline.tests['tests/test_data.py::test_values_sum_to_six']).toBe('FAILED');
  });

  it('fails with a clear message when a submodule cannot be fetched, and prepares offline from bundles named in submodules.urls', async () => {
    // A bundle of the data submodule, as an export writes it, made from a prepared gym.
    const prepared = await prepareGym(await loadGymSpec(writeSpec()), { dataDirectory: path.join(fixture.root, 'data-3'), runtime });
    const bundles = await bundleSubmodules(prepared.workdir, fixture.root, 'with-data');
    expect(Object.keys(bundles)).toEqual(['data']);
    const gone = `${fixture.dataRepository}-gone`;
    renameSync(fixture.dataRepository, gone);
    try {
      const error = await prepareGym(await loadGymSpec(writeSpec()), { dataDirectory: path.join(fixture.root, 'data-4'), runtime }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(SweMirrorError);
      expect((error as SweMirrorError).code).toBe('GYM_SUBMODULE_FETCH_FAILED');
      expect((error as SweMirrorError).message).toContain('data <- ../data');
      expect((error as SweMirrorError).hint).toContain('submodules: { urls: { <path>:');

      const offline = await prepareGym(await loadGymSpec(writeSpec(['submodules:', '  urls:', `    data: ./${path.basename(bundles.data as string)}`])), {
        dataDirectory: path.join(fixture.root, 'data-5'),
        runtime,
      });
      expect(readFileSync(path.join(offline.workdir, 'data', 'values.txt'), 'utf8')).toBe('1 2 3\n');
      expect(offline.baseline.tests['tests/test_data.py::test_values_sum_to_six']).toBe('PASSED');

      const unknown = await prepareGym(await loadGymSpec(writeSpec(['submodules:', '  urls:', '    nope: ./x.bundle'])), { dataDirectory: path.join(fixture.root, 'data-6'), runtime }).catch(
        (caught: unknown) => caught,
      );
      expect((unknown as SweMirrorError).code).toBe('GYM_SUBMODULE_UNKNOWN');
    } finally {
      renameSync(gone, fixture.dataRepository);
    }
  });
});

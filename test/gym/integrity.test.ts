import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGymSpec } from '../../src/config/load-gym-spec.js';
import { runGit, runGitRaw } from '../../src/core/git.js';
import { findIntegrityProblems } from '../../src/gym/integrity.js';
import { prepareGym, type GymPrepareEvent } from '../../src/gym/prepare.js';
import { createLocalRuntime, isBubblewrapUsable } from '../../src/runtime/local.js';
import { writePythonGym } from './python-gym-fixture.js';

const runtime = createLocalRuntime();
const hasBubblewrap = await isBubblewrapUsable();

const FILES = {
  'calc.py': 'def add(left, right):\n    return left + right\n',
  'tests/__init__.py': '',
  // The gym's own suite plants a hook and a filter in .git while it runs (here: at the warm-up run of prepare).
  'tests/test_calc.py': [
    'import pathlib, subprocess',
    'from calc import add',
    '',
    'def test_add():',
    '    hook = pathlib.Path(".git/hooks/post-checkout")',
    '    hook.write_text("#!/bin/sh\\ntouch /tmp/swe-mirror-hook-ran\\n")',
    '    hook.chmod(0o755)',
    '    subprocess.run(["git", "config", "filter.evil.smudge", "touch /tmp/swe-mirror-filter-ran"], check=False)',
    '    assert add(2, 3) == 5',
    '',
  ].join('\n'),
};

describe('prepared gyms and host git', () => {
  it('keeps a writable run out of .git, sanitises what the install added (husky), and re-prepares a tampered gym', async () => {
    const fixture = await writePythonGym([], FILES);
    // Replace the fixture's install by a husky-like one that sets core.hooksPath and adds a hook.
    const specText = (await import('node:fs')).readFileSync(fixture.specPath, 'utf8').replace(
      '  - mkdir -p node_modules && echo installed >> node_modules/.install-count',
      '  - git config core.hooksPath .husky && mkdir -p .husky && printf "#!/bin/sh\\necho hooked\\n" > .git/hooks/pre-commit && chmod +x .git/hooks/pre-commit',
    );
    await writeFile(fixture.specPath, specText);
    const loaded = await loadGymSpec(fixture.specPath);
    const gym = await prepareGym(loaded, { dataDirectory: fixture.dataDirectory, runtime, baselineRuns: 2 });

    expect(await findIntegrityProblems(gym.workdir, gym.commit)).toEqual([]);
    expect((await readdir(path.join(gym.workdir, '.git', 'hooks'))).filter((name) => !name.endsWith('.sample'))).toEqual([]);
    const config = await runGitRaw(gym.workdir, ['config', '--local', '--list']);
    expect(config.stdout).not.toMatch(/hookspath|filter\./i);
    // Host git never ran anything the suite planted.
    expect(existsSync('/tmp/swe-mirror-hook-ran')).toBe(false);
    expect(existsSync('/tmp/swe-mirror-filter-ran')).toBe(false);

    const reuse: GymPrepareEvent[] = [];
    await prepareGym(loaded, { dataDirectory: fixture.dataDirectory, runtime, onEvent: (event) => reuse.push(event) });
    expect(reuse.map((event) => event.type)).toEqual(['cached']);

    // Tampering with the prepared tree afterwards (a hook, a replace ref) is caught: the gym is prepared again.
    await writeFile(path.join(gym.workdir, '.git', 'hooks', 'post-checkout'), '#!/bin/sh\n');
    const head = (await runGit(gym.workdir, ['rev-parse', 'HEAD'])).trim();
    await runGit(gym.workdir, ['update-ref', `refs/replace/${head}`, head]);
    const again: GymPrepareEvent[] = [];
    const prepared = await prepareGym(loaded, { dataDirectory: fixture.dataDirectory, runtime, baselineRuns: 1, onEvent: (event) => again.push(event) });
    const tampered = again.find((event) => event.type === 'tampered');
    expect(tampered && 'problems' in tampered ? tampered.problems.join('; ') : '').toMatch(/hook .git\/hooks\/post-checkout.*replace refs/);
    expect(again.some((event) => event.type === 'prepared')).toBe(true);
    expect(await findIntegrityProblems(prepared.workdir, prepared.commit)).toEqual([]);
  });

  it.skipIf(!hasBubblewrap)('finds hooks, fsmonitor, filters, includes, alternates and a moved HEAD', async () => {
    const fixture = await writePythonGym([], FILES);
    const directory = path.join(fixture.root, 'repo');
    await runGit(fixture.root, ['init', '-q', directory]);
    await writeFile(path.join(directory, 'a.txt'), 'a');
    await runGit(directory, ['add', '-A']);
    await runGit(directory, ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'a']);
    const commit = (await runGit(directory, ['rev-parse', 'HEAD'])).trim();
    expect(await findIntegrityProblems(directory, commit)).toEqual([]);
    await runGit(directory, ['config', 'core.fsmonitor', '/tmp/evil']);
    await runGit(directory, ['config', 'filter.x.clean', 'evil']);
    await runGit(directory, ['config', 'include.path', '/tmp/evil.cfg']);
    await writeFile(path.join(directory, '.git', 'objects', 'info', 'alternates'), '/tmp/elsewhere\n');
    const problems = await findIntegrityProblems(directory, '0'.repeat(40));
    expect(problems).toEqual(
      expect.arrayContaining(['config core.fsmonitor', 'config filter.x.clean', 'config include.path', '.git/objects/info/alternates exists', expect.stringMatching(/^HEAD is/)]),
    );
  });
});

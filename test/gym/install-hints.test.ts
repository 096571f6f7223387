import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGymSpec } from '../../src/config/load-gym-spec.js';
import { SweMirrorError } from '../../src/core/errors.js';
import { diagnoseInstallFailure, listGitHubLockfileEntries } from '../../src/gym/install-hints.js';
import { prepareGym } from '../../src/gym/prepare.js';
import { createLocalRuntime } from '../../src/runtime/local.js';
import { PYTHON_GYM_FILES, writePythonGym } from './python-gym-fixture.js';

const TARBALL = 'https://codeload.github.com/someone/left-pad/tar.gz/5f3e7b1c0f0a4b0e2d8a9e4c3b2a1d0e9f8c7b6a';
const GIT_URL = 'git+ssh://git@github.com/someone/is-thing.git#0123456789abcdef0123456789abcdef01234567';
/** A lockfile v3 with one GitHub tarball, one git dependency and one registry package. */
const LOCKFILE_V3 = JSON.stringify({
  name: 'x',
  version: '1.0.0',
  lockfileVersion: 3,
  requires: true,
  packages: {
    '': { name: 'x', version: '1.0.0', dependencies: { 'left-pad': TARBALL } },
    'node_modules/left-pad': { version: '1.3.0', resolved: TARBALL },
    'node_modules/is-thing': { version: '2.0.0', resolved: GIT_URL },
    'node_modules/ms': { version: '2.1.3', resolved: 'https://registry.npmjs.org/ms/-/ms-2.1.3.tgz' },
  },
});

describe('diagnoseInstallFailure', () => {
  it('names GitHub-hosted lockfile entries when npm ci fails on the network', () => {
    const output = 'npm error code ENOTFOUND\nnpm error request to https://codeload.github.com/user/pkg/tar.gz/abc123 failed, reason: getaddrinfo ENOTFOUND codeload.github.com\n';
    expect(diagnoseInstallFailure('npm ci --no-audit', output)).toMatch(/needs network access to github\.com/);
  });

  it('names the URL npm printed when no lockfile lists the GitHub dependency (declared by a dependency)', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-nolock-'));
    const output = 'npm error command git --no-replace-objects ls-remote ssh://git@github.com/someone/evalmd.git\nnpm error ssh: Could not resolve hostname github.com: Name or service not known\n';
    const hint = diagnoseInstallFailure('npm install', output, { workdir: directory });
    expect(hint).toMatch(/^A dependency is fetched from GitHub \(a tarball or git URL declared by a package, not a registry version\): ssh:\/\/git@github\.com\/someone\/evalmd\.git:/);
    expect(hint).not.toContain('lockfile has');
  });

  it('stays quiet for other failures', () => {
    expect(diagnoseInstallFailure('npm ci', 'npm error code ENOTFOUND\nnpm error request to https://registry.npmjs.org/x failed')).toBeUndefined();
    expect(diagnoseInstallFailure('pip install .', 'Could not resolve host: github.com')).toBeUndefined();
  });

  it('names the lockfile entries that need GitHub when the output names none of them', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-lock-'));
    await writeFile(path.join(directory, 'package-lock.json'), LOCKFILE_V3);
    const hint = diagnoseInstallFailure('npm ci', 'npm error ssh: Could not resolve hostname github.com: Name or service not known', { workdir: directory });
    expect(hint).toContain(`package-lock.json: node_modules/is-thing -> ${GIT_URL}`);
    expect(hint).toContain('node_modules/left-pad');
    expect(hint).not.toContain('node_modules/ms');
  });
});

describe('listGitHubLockfileEntries', () => {
  it('reads lockfile v1 nesting (git URLs kept in version) and v3 packages', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-lock-'));
    const versionOne = {
      lockfileVersion: 1,
      dependencies: {
        a: { version: '1.0.0', resolved: 'https://registry.npmjs.org/a/-/a-1.0.0.tgz', dependencies: { b: { version: 'github:someone/b#abc', from: 'github:someone/b' } } },
        c: { version: '3.0.0', resolved: TARBALL },
      },
    };
    await writeFile(path.join(directory, 'package-lock.json'), JSON.stringify(versionOne));
    expect(listGitHubLockfileEntries(directory)).toEqual([
      { lockfile: 'package-lock.json', entry: 'a > b', source: 'github:someone/b#abc' },
      { lockfile: 'package-lock.json', entry: 'c', source: TARBALL },
    ]);
    await writeFile(path.join(directory, 'npm-shrinkwrap.json'), LOCKFILE_V3);
    expect(listGitHubLockfileEntries(directory).map((entry) => entry.entry)).toEqual(['node_modules/is-thing', 'node_modules/left-pad']);
    expect(listGitHubLockfileEntries(path.join(directory, 'absent'))).toEqual([]);
  });
});

describe('gym prepare with npm ci and a GitHub tarball in the lockfile, offline', () => {
  it('fails with a hint that names the entry and says what to do', async () => {
    // npm --offline with an empty cache fails on the GitHub tarball exactly as an air-gapped npm ci does, network or not.
    const lockfile = JSON.stringify({
      name: 'calc',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: { '': { name: 'calc', version: '1.0.0', dependencies: { 'left-pad': TARBALL } }, 'node_modules/left-pad': { version: '1.3.0', resolved: TARBALL } },
    });
    const files = { ...PYTHON_GYM_FILES, 'package.json': JSON.stringify({ name: 'calc', version: '1.0.0', dependencies: { 'left-pad': TARBALL } }), 'package-lock.json': lockfile };
    const fixture = await writePythonGym([], files);
    const spec = (await readFile(fixture.specPath, 'utf8')).replace(
      '  - mkdir -p node_modules && echo installed >> node_modules/.install-count',
      '  - npm ci --offline --no-audit --no-fund',
    );
    await writeFile(fixture.specPath, spec);
    const error = await prepareGym(await loadGymSpec(fixture.specPath), { dataDirectory: fixture.dataDirectory, runtime: createLocalRuntime() }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SweMirrorError);
    const failure = error as SweMirrorError;
    expect(failure.code).toBe('GYM_INSTALL_FAILED');
    expect(failure.message).toContain('ENOTCACHED');
    expect(failure.hint).toContain(`package-lock.json: node_modules/left-pad -> ${TARBALL}`);
    expect(failure.hint).toMatch(/Allow github\.com and codeload\.github\.com for gym prepare/);
  }, 120_000);
});

/**
 * Gyms from SWE-bench-family rows: the spec planned from a row (image naming, workdir, commit, test command), and a
 * SWE-bench-style row made into a working docker gym against an image of the name the harness uses, built here.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { loadGymSpec } from '../../src/config/load-gym-spec.js';
import { planGymFromDatasetRow, swebenchImageName } from '../../src/gym/dataset-import.js';
import { prepareGym } from '../../src/gym/prepare.js';
import { ensureBaseImage } from '../../src/runtime/docker/base-image.js';
import { createDockerClient } from '../../src/runtime/docker/client.js';
import { createLocalRuntime } from '../../src/runtime/local.js';
import { ensureTestBaseImage, isDockerTestable, TEST_BASE_IMAGE } from './docker-support.js';

describe('planning a gym from a dataset row', () => {
  it('names SWE-bench, SWE-Gym and SWE-rebench images as their harnesses do, at the base commit in /testbed', () => {
    const row = { instance_id: 'astropy__astropy-12907', repo: 'astropy/astropy', base_commit: 'd16bfe05a744909de4b27f5875fe0d4ed41ce607', version: '4.3' };
    const planned = planGymFromDatasetRow('swe-bench', row);
    expect(planned.spec).toMatchObject({
      name: 'astropy__astropy-12907',
      runtime: 'docker',
      repo: 'https://github.com/astropy/astropy.git',
      commit: row.base_commit,
      image: 'swebench/sweb.eval.x86_64.astropy_1776_astropy-12907:latest',
      docker: { workdir: '/testbed' },
      install: [],
    });
    expect(planGymFromDatasetRow('swe-rebench', row).spec.image).toBe('swerebench/sweb.eval.x86_64.astropy_1776_astropy-12907:latest');
    expect(planGymFromDatasetRow('swe-gym', row, { namespace: '127.0.0.1:5000/mirror' }).spec.image).toBe('127.0.0.1:5000/mirror/sweb.eval.x86_64.astropy_1776_astropy-12907:latest');
    expect(swebenchImageName('astropy__astropy-12907', undefined)).toBe('sweb.eval.x86_64.astropy__astropy-12907:latest');
  });

  it("prefers the row's own image and test command, and says what the user must still check", () => {
    const planned = planGymFromDatasetRow('swe-rebench', {
      instance_id: 'acme__tool-7',
      repo: 'acme/tool',
      base_commit: 'abcdef1',
      docker_image: 'swerebench/custom:1',
      install_config: { test_cmd: ['pytest -rA', 'true'] },
    });
    expect(planned.spec.image).toBe('swerebench/custom:1');
    expect(planned.spec.test.command).toBe('source /opt/miniconda3/bin/activate testbed && pytest -rA && true');
    const django = planGymFromDatasetRow('swe-bench', { instance_id: 'django__django-11099', repo: 'django/django', base_commit: 'abcdef1' });
    expect(django.notes.join('\n')).toMatch(/not pytest \(django\/django has its own runner\): set test.report.format/);
    expect(planGymFromDatasetRow('swe-bench', { instance_id: 'sympy__sympy-1', repo: 'sympy/sympy', base_commit: 'abcdef1' }).spec.test.command).toContain('bin/test -C --verbose');
  });

  it('puts a registry in front of every image name and carries the fixed state (fix patch, then test patch)', () => {
    const row = { instance_id: 'acme__tool-7', repo: 'acme/tool', base_commit: 'abcdef1', patch: 'fix', test_patch: 'tests', docker_image: 'swerebench/custom:1' };
    const planned = planGymFromDatasetRow('swe-rebench', row, { registry: '127.0.0.1:5000/' });
    expect(planned.spec.image).toBe('127.0.0.1:5000/swerebench/custom:1');
    expect(planned.spec.docker).toMatchObject({ imageCommit: 'abcdef1' });
    expect(planned.fixedState).toEqual({ baseCommit: 'abcdef1', patches: [{ name: 'fix patch', text: 'fix' }, { name: 'test patch', text: 'tests' }] });
    const bare = planGymFromDatasetRow('swe-bench', { ...row, patch: undefined, test_patch: undefined, docker_image: undefined });
    expect(bare.fixedState.patches).toEqual([]);
    expect(bare.notes.join('\n')).toMatch(/no fix or test patch/);
  });

  it('names Multi-SWE-bench images <org>_m_<repo>:pr-<n> with the workdir /home/<repo>', () => {
    const planned = planGymFromDatasetRow('multi-swe-bench', { org: 'Expressjs', repo: 'Express', number: 5043, base: { sha: '0123456789abcdef0123456789abcdef01234567' }, language: 'javascript' });
    expect(planned.spec).toMatchObject({ image: 'mswebench/expressjs_m_express:pr-5043', docker: { workdir: '/home/Express' }, language: 'javascript', commit: '0123456789abcdef0123456789abcdef01234567' });
    expect(planned.spec.test).toMatchObject({ command: 'npx jest --json --outputFile=swe-mirror-jest.json', report: { format: 'jest', file: 'swe-mirror-jest.json' } });
    const go = planGymFromDatasetRow('multi-swe-bench', { org: 'cli', repo: 'cli', number: 1, base: { sha: 'abcdef1' }, fix_patch: 'fix', language: 'go' }, { registry: 'mirror.local:5000' });
    expect(go.spec).toMatchObject({ image: 'mirror.local:5000/mswebench/cli_m_cli:pr-1', language: 'go', test: { command: 'go test -json ./...', report: { format: 'go-json' } } });
    expect(() => planGymFromDatasetRow('multi-swe-bench', { org: 'a', repo: 'b' })).toThrow(/number/);
  });
});

const isTestable = await isDockerTestable();

describe.skipIf(!isTestable)('a SWE-bench-style row as a working docker gym (real engine)', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'swe-mirror-docker-import-'));
  const imageName = swebenchImageName('acme__calc-1', undefined);
  afterAll(async () => {
    await createDockerClient().getImage(imageName).remove({ force: true }).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  });

  it('prepares the gym from the image the harness names and runs its suite with pytest -rA', async () => {
    await ensureTestBaseImage();
    // An instance image as SWE-bench builds them: a conda env "testbed" (stubbed here) and the repository's tests.
    const imageContext = path.join(work, 'image');
    mkdirSync(imageContext);
    writeFileSync(path.join(imageContext, 'Dockerfile'), `FROM ${TEST_BASE_IMAGE}\nRUN mkdir -p /opt/miniconda3/bin && touch /opt/miniconda3/bin/activate\n`);
    await ensureBaseImage(createDockerClient(), { kind: 'dockerfile', dockerfile: path.join(imageContext, 'Dockerfile'), context: imageContext, tag: imageName }, path.join(work, 'image.log'));
    const repo = path.join(work, 'repo');
    mkdirSync(path.join(repo, 'tests'), { recursive: true });
    writeFileSync(path.join(repo, 'calc.py'), 'def add(a, b):\n    return a + b\n');
    writeFileSync(path.join(repo, 'tests', 'test_calc.py'), 'from calc import add\n\ndef test_add():\n    assert add(1, 2) == 3\n\ndef test_broken():\n    assert add(1, 1) == 3\n');
    writeFileSync(path.join(repo, 'conftest.py'), '');
    const git = (...args: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: repo, encoding: 'utf8' });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'base');
    const baseCommit = git('rev-parse', 'HEAD').trim();
    const planned = planGymFromDatasetRow('swe-bench', { instance_id: 'acme__calc-1', repo: 'acme/calc', base_commit: baseCommit }, { namespace: '' });
    expect(planned.spec.image).toBe(imageName);
    // The clone would come from GitHub; here the same commit from a local repository.
    const specPath = path.join(work, 'gym.yaml');
    writeFileSync(specPath, stringify({ ...planned.spec, repo, baselineRuns: 1 }));
    const gym = await prepareGym(await loadGymSpec(specPath), { dataDirectory: path.join(work, 'data'), runtime: createLocalRuntime() });
    expect(gym.commit).toBe(baseCommit);
    expect(gym.baseline.tests).toEqual({ 'tests/test_calc.py::test_add': 'PASSED', 'tests/test_calc.py::test_broken': 'FAILED' });
    await createDockerClient().getImage(gym.image as string).remove({ force: true });
  });
});

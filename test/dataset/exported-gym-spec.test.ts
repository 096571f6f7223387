/**
 * The spec an export carries for a gym (src/dataset/exported-gym-spec.ts): a docker gym is exported on its gym image
 * without its Dockerfile and installs; its host mounts are kept, with one warning naming them.
 */
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadGymSpec } from '../../src/config/load-gym-spec.js';
import { toExportedGymSpec } from '../../src/dataset/exported-gym-spec.js';

const DOCKER_SPECS = path.resolve(import.meta.dirname, '..', 'runtime', 'docker-fixtures');
const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures', 'gyms');
const IMAGE = 'swe-mirror/js-jest-docker:0123456789ab';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('toExportedGymSpec', () => {
  it('keeps a docker gym\'s host mounts and warns once, naming every host path', async () => {
    const { spec } = await loadGymSpec(path.join(DOCKER_SPECS, 'js-jest.yaml'));
    const warnings: string[] = [];
    const exported = toExportedGymSpec({ spec, image: IMAGE }, (line) => warnings.push(line));
    expect(exported.image).toBe(IMAGE);
    expect(exported.install).toEqual([]);
    expect(exported.docker?.dockerfile).toBeUndefined();
    expect(exported.docker?.mounts).toEqual(spec.docker?.mounts);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^warning: the exported gym js-jest-docker depends on host paths of this machine/);
    for (const source of ['/usr/bin/node (at /usr/local/bin/node)', '/usr/lib/node_modules/npm (at /usr/local/lib/node_modules/npm)', '/etc/ssl/certs/ca-certificates.crt)']) {
      expect(warnings[0]).toContain(source);
    }
  });

  it('writes the warning to stderr by default', async () => {
    const { spec } = await loadGymSpec(path.join(DOCKER_SPECS, 'js-jest.yaml'));
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    toExportedGymSpec({ spec, image: IMAGE });
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^warning: the exported gym js-jest-docker .*\n$/);
  });

  it('says nothing for a docker gym without mounts or a local gym', async () => {
    const warnings: string[] = [];
    const docker = (await loadGymSpec(path.join(DOCKER_SPECS, 'python-pytest.yaml'))).spec;
    const local = (await loadGymSpec(path.join(FIXTURES, 'js-jest', 'gym.yaml'))).spec;
    expect(toExportedGymSpec({ spec: docker, image: 'swe-mirror/python-pytest-docker:0123456789ab' }, (line) => warnings.push(line)).docker?.dockerfile).toBeUndefined();
    expect(toExportedGymSpec({ spec: local }, (line) => warnings.push(line))).toBe(local);
    expect(warnings).toEqual([]);
  });
});

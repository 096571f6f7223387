/**
 * The docker runtime against Podman's Docker-compatible socket, with the same code: SWE_MIRROR_TEST_PODMAN names the
 * socket (.ci/run starts one; docs/docker.md "Podman" says how). DOCKER_HOST is pointed at it before the real-engine
 * test files are imported, so their cases (isolation, no network, limits, OOM label, report files, cleanup, the
 * writable workspace) run here on Podman; then what Podman does differently from Docker, tried on it: its archive
 * follows symlinks, it reports no OOM kill on cgroup v1, it answers `null` for a container without changes.
 * Skipped, with a message, when SWE_MIRROR_TEST_PODMAN is unset; set, the engine must answer and be Podman.
 */
import { describe, expect, it } from 'vitest';

const podman = process.env.SWE_MIRROR_TEST_PODMAN;

if (podman === undefined || podman === '') {
  console.warn('SKIPPED: SWE_MIRROR_TEST_PODMAN is unset; point it at a Podman service socket (unix://…, see docs/docker.md "Podman") to run the docker runtime tests on Podman.');
  describe.skip('docker runtime on Podman', () => {
    it('needs SWE_MIRROR_TEST_PODMAN', () => undefined);
  });
} else {
  process.env.DOCKER_HOST = podman;
  const { createDockerClient } = await import('../../src/runtime/docker/client.js');

  describe('docker runtime on Podman: the engine', () => {
    it(`answers at SWE_MIRROR_TEST_PODMAN (${podman}) and is Podman, not a Docker engine`, async () => {
      const version = await createDockerClient().version();
      expect((version.Components ?? []).map((component) => component.Name)).toContain('Podman Engine');
    });
  });

  // The same cases as on Docker, registered in this file (its DOCKER_HOST): imported one after the other.
  await import('./docker-runtime.test.js');
  await import('./docker-workspace.test.js');
  await import('./podman-differences.js');
}

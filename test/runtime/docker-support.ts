/**
 * Shared set-up of the docker runtime tests: whether a Docker engine answers (DOCKER_HOST honoured), and the base
 * image they build on. No registry can be pulled from here, so the image is made locally with mmdebstrap
 * (Debian bookworm minbase + python3, pytest, git) and cached in the engine; .ci/run makes it before the tests.
 */
import { execFileSync } from 'node:child_process';
import { createDockerClient, isDockerEngineAvailable } from '../../src/runtime/docker/client.js';
import { hasImage } from '../../src/runtime/docker/base-image.js';

export const TEST_BASE_IMAGE = 'swe-mirror-test/bookworm-python:2';
const BUILD_TIMEOUT_MS = 10 * 60 * 1000;

/** Whether tests can run; when not, says so once on stderr with how to start an engine. */
export async function isDockerTestable(): Promise<boolean> {
  if (await isDockerEngineAvailable(createDockerClient())) return true;
  console.warn(
    `SKIPPED: no Docker engine answers at ${process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'}; start one with ` +
      '`dockerd --iptables=false --ip6tables=false --bridge=none --storage-driver=overlay2` (see docs/docker.md) to run the docker runtime tests.',
  );
  return false;
}

/** The base image, built with mmdebstrap when the engine does not hold it yet (one to two minutes, once). */
export async function ensureTestBaseImage(): Promise<string> {
  if (await hasImage(createDockerClient(), TEST_BASE_IMAGE)) return TEST_BASE_IMAGE;
  const script = `set -o pipefail; mmdebstrap --quiet --variant=minbase --include=python3,python3-pytest,git,gcc,libc6-dev bookworm - http://deb.debian.org/debian | docker import - ${TEST_BASE_IMAGE}`;
  try {
    execFileSync('bash', ['-c', script], { stdio: ['ignore', 'ignore', 'inherit'], timeout: BUILD_TIMEOUT_MS });
  } catch (cause) {
    throw new Error(`Cannot build the test base image ${TEST_BASE_IMAGE}: mmdebstrap (apt-get install mmdebstrap), a Debian mirror and the docker CLI are needed, or load the image by hand.`, { cause });
  }
  return TEST_BASE_IMAGE;
}

/** Containers made from `image` that still exist (each run must remove its own). */
export async function listContainersOf(image: string): Promise<string[]> {
  const containers = await createDockerClient().listContainers({ all: true, filters: { ancestor: [image] } });
  return containers.map((container) => container.Id);
}

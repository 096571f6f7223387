import Docker from 'dockerode';
import { SweMirrorError } from '../../core/errors.js';

const PING_TIMEOUT_MS = 5000;

/**
 * The one door to the Docker Engine API. Without options, docker-modem reads DOCKER_HOST (unix://, tcp://, with
 * DOCKER_TLS_VERIFY and DOCKER_CERT_PATH) and falls back to /var/run/docker.sock.
 */
export function createDockerClient(options?: Docker.DockerOptions): Docker {
  return new Docker(options);
}

/** Where the client talks to, for messages. */
export function describeDockerHost(): string {
  return process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
}

/** Whether a Docker engine answers (a ping within a few seconds). */
export async function isDockerEngineAvailable(client: Docker = createDockerClient()): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
    });
    return await Promise.race([client.ping().then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** Fail with how to fix it when no engine answers. */
export async function requireDockerEngine(client: Docker): Promise<void> {
  if (await isDockerEngineAvailable(client)) return;
  throw new SweMirrorError({
    code: 'DOCKER_UNAVAILABLE',
    kind: 'infrastructure',
    message: `No Docker engine answers at ${describeDockerHost()}; the gym's runtime is docker.`,
    hint: 'Start dockerd (see docs/docker.md for the flags used on machines without a bridge network) or set DOCKER_HOST to an engine that answers.',
  });
}

/**
 * A private image registry for the pull path of the docker tests: Debian's docker-registry (distribution 2.8) on a
 * free 127.0.0.1 port, its storage in a temporary directory, stopped by PID. dockerd treats 127.0.0.0/8 as an
 * insecure registry by default, so plain HTTP pushes and pulls work without engine configuration.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawnAsync } from '../support/spawn-async.js';

const REGISTRY_PROGRAM = '/usr/bin/docker-registry';
const READY_ATTEMPTS = 200;

export interface LocalRegistry {
  /** host:port, the prefix of image names pushed to it. */
  address: string;
  stop(): Promise<void>;
}

/** Whether the registry program is installed (apt-get install docker-registry; .ci/run does). */
export function hasRegistryProgram(): boolean {
  if (existsSync(REGISTRY_PROGRAM)) return true;
  console.warn(`SKIPPED: ${REGISTRY_PROGRAM} is missing; apt-get install docker-registry to run the registry pull tests.`);
  return false;
}

async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Start a registry and wait until its /v2/ endpoint answers. */
export async function startLocalRegistry(): Promise<LocalRegistry> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'swe-mirror-registry-'));
  const port = await findFreePort();
  const address = `127.0.0.1:${port}`;
  const config = path.join(directory, 'config.yml');
  writeFileSync(config, ['version: 0.1', 'log:', '  level: error', 'storage:', '  filesystem:', `    rootdirectory: ${path.join(directory, 'data')}`, 'http:', `  addr: ${address}`, ''].join('\n'));
  const child: ChildProcess = spawn(REGISTRY_PROGRAM, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(directory, { recursive: true, force: true });
  };
  for (let attempt = 0; attempt < READY_ATTEMPTS; attempt += 1) {
    if (child.exitCode !== null) break;
    const answer = await fetch(`http://${address}/v2/`).catch(() => undefined);
    if (answer?.ok) return { address, stop };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stop();
  throw new Error(`docker-registry did not start on ${address}: ${stderr}`);
}

/** Run the docker CLI against the tests' engine (DOCKER_HOST); throws with its output when it fails. */
export async function docker(...args: string[]): Promise<string> {
  const result = await spawnAsync('docker', args, { env: { ...process.env, DOCKER_BUILDKIT: '0' } });
  if (result.status !== 0) throw new Error(`docker ${args.join(' ')} failed (${result.status}): ${result.stderr}${result.stdout}`);
  return result.stdout;
}

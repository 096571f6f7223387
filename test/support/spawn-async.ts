import { spawn, type SpawnOptions } from 'node:child_process';

export interface SpawnedResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * spawnSync's result, without blocking the test worker's event loop: a CLI run that takes a minute on a busy
 * machine would otherwise starve vitest's worker RPC ("Timeout calling onTaskUpdate").
 */
export function spawnAsync(command: string, args: readonly string[], options: SpawnOptions & { input?: string; encoding?: string } = {}): Promise<SpawnedResult> {
  return new Promise((resolve, reject) => {
    const { input, encoding: _encoding, ...spawnOptions } = options;
    const child = spawn(command, args, { ...spawnOptions, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (status, signal) =>
      resolve({ status, signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }),
    );
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}

import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { Runtime } from '../../src/core/process.js';
import { gymRunOptions } from '../../src/gym/gym-environment.js';
import type { PreparedGym } from '../../src/gym/types.js';

/** The median (the mean of the two middle values for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** The median wall time of `repeats` runs of `action`, in ms. */
export async function timed(action: () => unknown | Promise<unknown>, repeats: number): Promise<number> {
  const timings: number[] = [];
  for (let round = 0; round < repeats; round += 1) {
    const startedAt = performance.now();
    await action();
    timings.push(performance.now() - startedAt);
  }
  return median(timings);
}

/** One bare run of the gym's suite (or `command`) in `workdir`: no sandbox, the gym's environment, output discarded. */
export function bareSuiteRun(gym: PreparedGym, workdir: string, runtime: Runtime, command = gym.spec.test.command): void {
  const result = spawnSync('bash', ['-c', command], { cwd: workdir, stdio: 'ignore', env: { ...process.env, ...gymRunOptions(gym, workdir, { ...runtime, mountsLayers: false }).env } });
  if (result.status === null) throw new Error(`the bare run of ${command} did not finish`);
}

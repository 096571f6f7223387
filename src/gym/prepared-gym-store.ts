import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadGymSpec } from '../config/load-gym-spec.js';
import { SweMirrorError } from '../core/errors.js';
import { resolveDataDirectory } from './data-dir.js';
import { computeSpecHash } from './gym-source.js';
import type { PreparedGym } from './types.js';

/** 2: working copies are layered; the prepared tree records its preserved artefacts and warm temp directory. */
const STATE_SCHEMA_VERSION = 2;
const STATE_FILE = 'state.json';

/** Directory of a gym under the data directory: gyms/<name>-<first 12 hex digits of the spec hash>. */
export function gymDirectoryPath(dataDirectory: string, name: string, specHash: string): string {
  return path.join(dataDirectory, 'gyms', `${name}-${specHash.slice(0, 12)}`);
}

/** Write state.json atomically. */
export async function savePreparedGym(gym: PreparedGym): Promise<void> {
  await mkdir(gym.directory, { recursive: true });
  const target = path.join(gym.directory, STATE_FILE);
  const staging = `${target}.${process.pid}.tmp`;
  await writeFile(staging, `${JSON.stringify({ schemaVersion: STATE_SCHEMA_VERSION, gym }, null, 2)}\n`);
  await rename(staging, target);
}

/** Read a gym directory's state.json; undefined when absent, unreadable, of another version or without its working copy. */
export async function readPreparedGym(directory: string): Promise<PreparedGym | undefined> {
  const text = await readFile(path.join(directory, STATE_FILE), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as { schemaVersion?: unknown; gym?: PreparedGym };
    if (parsed.schemaVersion !== STATE_SCHEMA_VERSION || !parsed.gym || typeof parsed.gym.workdir !== 'string') return undefined;
    return existsSync(path.join(parsed.gym.workdir, '.git')) ? parsed.gym : undefined;
  } catch {
    return undefined;
  }
}

/** The prepared state of the gym a spec describes; GYM_NOT_PREPARED when it has not been prepared (or the spec changed since). */
export async function loadPreparedGym(specPath: string, options: { dataDirectory?: string } = {}): Promise<PreparedGym> {
  const loaded = await loadGymSpec(specPath);
  const dataDirectory = resolveDataDirectory(options.dataDirectory);
  const directory = gymDirectoryPath(dataDirectory, loaded.spec.name, await computeSpecHash(loaded));
  const gym = await readPreparedGym(directory);
  if (!gym) {
    throw new SweMirrorError({
      code: 'GYM_NOT_PREPARED',
      kind: 'user',
      message: `Gym ${loaded.spec.name} is not prepared in ${dataDirectory} (or its spec or source changed since).`,
      hint: `Run: swe-mirror gym prepare ${specPath}${options.dataDirectory ? ` --data-dir ${options.dataDirectory}` : ''}`,
    });
  }
  return gym;
}

/** Every prepared gym under a data directory, sorted by name then preparation time. */
export async function listPreparedGyms(dataDirectory?: string): Promise<PreparedGym[]> {
  const gymsDirectory = path.join(resolveDataDirectory(dataDirectory), 'gyms');
  const names = await readdir(gymsDirectory).catch(() => [] as string[]);
  const gyms: PreparedGym[] = [];
  for (const name of names) {
    const gym = await readPreparedGym(path.join(gymsDirectory, name));
    if (gym) gyms.push(gym);
  }
  return gyms.sort((left, right) => left.spec.name.localeCompare(right.spec.name) || left.preparedAt.localeCompare(right.preparedAt));
}

import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { gymSpecSchema } from '../config/gym-spec.js';
import type { LoadedGymSpec } from '../config/load-gym-spec.js';
import { parseYamlWithSchema } from '../config/validate.js';
import { withDirectoryLock } from '../gym/directory-lock.js';
import { fetchBlob, putBlob } from './blob-store.js';
import { packDirectory, unpackDirectory } from './gym-pack.js';

/** A gym as a job carries it: the spec file and the gym's local source, each by the sha256 of its bytes in Redis. */
export interface JobGymFiles {
  name: string;
  /** sha256 of the spec file, held in Redis (`putBlob`). */
  specBlob: string;
  /** sha256 of the gym's local repo packed as a tar (a directory) or of its git bundle; absent for a git URL. */
  repoBlob?: string;
  repoKind: 'remote' | 'directory' | 'bundle';
}

const UNPACK_WAIT_MS = 60 * 60 * 1000;

/** Put a gym's spec and local source in Redis by content hash (once each), so a worker needs nothing from this machine's disk. */
export async function publishGym(redis: Redis, prefix: string, loaded: LoadedGymSpec): Promise<JobGymFiles> {
  const specBlob = await putBlob(redis, prefix, loaded.specPath);
  if (loaded.isRemote) return { name: loaded.spec.name, specBlob, repoKind: 'remote' };
  if (statSync(loaded.repoLocation).isFile()) {
    return { name: loaded.spec.name, specBlob, repoBlob: await putBlob(redis, prefix, loaded.repoLocation), repoKind: 'bundle' };
  }
  const scratch = await mkdtemp(path.join(tmpdir(), 'swe-mirror-gym-pack-'));
  try {
    const tar = path.join(scratch, 'repo.tar');
    await packDirectory(loaded.repoLocation, tar);
    return { name: loaded.spec.name, specBlob, repoBlob: await putBlob(redis, prefix, tar), repoKind: 'directory' };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The folder of `<data-dir>/queue-gyms/` a job's gym files are unpacked into (one per spec and source content). */
export function jobGymDirectory(dataDirectory: string, files: JobGymFiles): string {
  return path.join(dataDirectory, 'queue-gyms', `${files.name}-${files.specBlob.slice(0, 16)}-${(files.repoBlob ?? 'remote').slice(0, 16)}`);
}

/**
 * The job's gym on this machine: the spec and source fetched from Redis and unpacked (once per data folder,
 * under a lock), loaded with the coordinator's own spec text and its repo pointing at the unpacked copy.
 * Because the text is the coordinator's and the source the same bytes, `prepareGym` computes the
 * coordinator's spec hash for it: a worker's gym is keyed as the coordinator's, and a difference shows.
 */
export async function loadJobGym(redis: Redis, prefix: string, dataDirectory: string, files: JobGymFiles): Promise<LoadedGymSpec> {
  const directory = jobGymDirectory(dataDirectory, files);
  return withDirectoryLock(`${directory}.lock`, UNPACK_WAIT_MS, async () => {
    const specPath = path.join(directory, 'original.yaml');
    await fetchBlob(redis, prefix, files.specBlob, specPath);
    const text = await readFile(specPath, 'utf8');
    const spec = parseYamlWithSchema(text, gymSpecSchema, { source: `${files.name} (a queue job's gym spec)`, code: 'GYM_SPEC_INVALID', what: 'gym spec' });
    if (files.repoKind === 'remote' || !files.repoBlob) return { spec, specPath, repoLocation: spec.repo, isRemote: true, text };
    if (files.repoKind === 'bundle') {
      const bundle = path.join(directory, 'repo.bundle');
      await fetchBlob(redis, prefix, files.repoBlob, bundle);
      return { spec, specPath, repoLocation: bundle, isRemote: false, text };
    }
    const repo = path.join(directory, 'repo');
    if (!existsSync(repo)) {
      const tar = path.join(directory, 'repo.tar');
      await fetchBlob(redis, prefix, files.repoBlob, tar);
      await unpackDirectory(tar, repo);
      await rm(tar, { force: true });
    }
    return { spec, specPath, repoLocation: repo, isRemote: false, text };
  });
}

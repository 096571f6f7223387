import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { gymSpecSchema, type GymSpec } from '../config/gym-spec.js';
import { SweMirrorError } from '../core/errors.js';
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
  /** A docker gym built from a Dockerfile: its build context packed as a tar (by sha256) and the Dockerfile's path inside it. */
  dockerContext?: { blob: string; dockerfile: string };
}

const UNPACK_WAIT_MS = 60 * 60 * 1000;

/** Put a gym's spec, local source and Docker build context in Redis by content hash (once each), so a worker needs nothing from this machine's disk. */
export async function publishGym(redis: Redis, prefix: string, loaded: LoadedGymSpec): Promise<JobGymFiles> {
  const specBlob = await putBlob(redis, prefix, loaded.specPath);
  const dockerContext = await publishDockerContext(redis, prefix, loaded);
  const extra = dockerContext ? { dockerContext } : {};
  if (loaded.isRemote) return { name: loaded.spec.name, specBlob, repoKind: 'remote', ...extra };
  if (statSync(loaded.repoLocation).isFile()) {
    return { name: loaded.spec.name, specBlob, repoBlob: await putBlob(redis, prefix, loaded.repoLocation), repoKind: 'bundle', ...extra };
  }
  return { name: loaded.spec.name, specBlob, repoBlob: await putPackedDirectory(redis, prefix, loaded.repoLocation), repoKind: 'directory', ...extra };
}

async function putPackedDirectory(redis: Redis, prefix: string, directory: string): Promise<string> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'swe-mirror-gym-pack-'));
  try {
    const tar = path.join(scratch, 'packed.tar');
    await packDirectory(directory, tar);
    return await putBlob(redis, prefix, tar);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Where a spec's Dockerfile and build context are on this machine (as prepare-docker resolves them), if it has one. */
function dockerBuildOf(loaded: LoadedGymSpec): { dockerfile: string; context: string } | undefined {
  const docker = loaded.spec.docker;
  if (!docker?.dockerfile) return undefined;
  const specDirectory = path.dirname(loaded.specPath);
  const dockerfile = path.resolve(specDirectory, docker.dockerfile);
  return { dockerfile, context: docker.context ? path.resolve(specDirectory, docker.context) : path.dirname(dockerfile) };
}

/** A Dockerfile gym's build context (the Dockerfile inside it, as the build requires) packed into Redis. */
async function publishDockerContext(redis: Redis, prefix: string, loaded: LoadedGymSpec): Promise<JobGymFiles['dockerContext']> {
  const build = dockerBuildOf(loaded);
  if (!build) return undefined;
  const inside = path.relative(build.context, build.dockerfile);
  if (inside.startsWith('..') || path.isAbsolute(inside)) {
    throw new SweMirrorError({
      code: 'QUEUE_GYM_PACK_FAILED',
      kind: 'user',
      message: `${loaded.specPath}: the Dockerfile ${build.dockerfile} lies outside its build context ${build.context}, so it cannot travel with the job.`,
      hint: 'Put the Dockerfile inside docker.context (or leave context out: it defaults to the Dockerfile\'s directory).',
    });
  }
  return { blob: await putPackedDirectory(redis, prefix, build.context), dockerfile: inside.split(path.sep).join('/') };
}

/** The folder of `<data-dir>/queue-gyms/` a job's gym files are unpacked into (one per spec and source content). */
export function jobGymDirectory(dataDirectory: string, files: JobGymFiles): string {
  const context = files.dockerContext ? `-${files.dockerContext.blob.slice(0, 16)}` : '';
  return path.join(dataDirectory, 'queue-gyms', `${files.name}-${files.specBlob.slice(0, 16)}-${(files.repoBlob ?? 'remote').slice(0, 16)}${context}`);
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
    const parsed = parseYamlWithSchema(text, gymSpecSchema, { source: `${files.name} (a queue job's gym spec)`, code: 'GYM_SPEC_INVALID', what: 'gym spec' });
    const spec = await withDockerContext(redis, prefix, directory, files, parsed);
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

/**
 * The spec with its Dockerfile and build context pointing at the unpacked copy of the coordinator's (absolute
 * paths: the spec text, and so the spec hash, stay the coordinator's, and the Dockerfile read for the hash is the same bytes).
 */
async function withDockerContext(redis: Redis, prefix: string, directory: string, files: JobGymFiles, spec: GymSpec): Promise<GymSpec> {
  if (!files.dockerContext || !spec.docker) return spec;
  const context = path.join(directory, 'docker-context');
  if (!existsSync(context)) {
    const tar = path.join(directory, 'docker-context.tar');
    await fetchBlob(redis, prefix, files.dockerContext.blob, tar);
    await unpackDirectory(tar, context);
    await rm(tar, { force: true });
  }
  return { ...spec, docker: { ...spec.docker, context, dockerfile: path.join(context, ...files.dockerContext.dockerfile.split('/')) } };
}

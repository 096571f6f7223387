import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { LoadedGymSpec } from '../config/load-gym-spec.js';
import { SweMirrorError } from '../core/errors.js';
import { runGit } from '../core/git.js';
import { tailLines } from './baseline.js';
import { buildContainerEnvironment } from './gym-environment.js';
import { isDockerGym } from './gym-runtime.js';
import { diagnoseInstallFailure } from './install-hints.js';
import type { GymPrepareEvent } from './types.js';
import type { PreparedGym } from './types.js';

const MEBIBYTE = 1024 * 1024;
const INSTALL_MINIMUM_TIME_MS = 30 * 60 * 1000;
const INSTALL_MINIMUM_MEMORY_BYTES = 4096 * MEBIBYTE;

/**
 * Prepare a docker gym's image: the base image (pulled, or built from the spec's Dockerfile), the prepared host tree
 * copied to the container's workdir, each install command run in a container and committed; the result is tagged
 * swe-mirror/<gym>:<spec hash>. Returns that tag.
 */
export async function prepareDockerGymImage(
  loaded: LoadedGymSpec,
  specHash: string,
  workdir: string,
  logDirectory: string,
  emit: (event: GymPrepareEvent) => void,
): Promise<string> {
  const { createDockerClient, requireDockerEngine } = await import('../runtime/docker/client.js');
  const { ensureBaseImage } = await import('../runtime/docker/base-image.js');
  const { buildGymImage } = await import('../runtime/docker/gym-image.js');
  const { checkHostMounts, toHostMounts } = await import('../runtime/docker/host-mounts.js');
  const { baseImageName, gymImageName } = await import('../runtime/docker/image-name.js');
  const { spec } = loaded;
  const client = createDockerClient();
  await requireDockerEngine(client);
  const specDirectory = path.dirname(loaded.specPath);
  const dockerfile = spec.docker?.dockerfile ? path.resolve(specDirectory, spec.docker.dockerfile) : undefined;
  const baseImage = await ensureBaseImage(
    client,
    dockerfile
      ? { kind: 'dockerfile', dockerfile, context: spec.docker?.context ? path.resolve(specDirectory, spec.docker.context) : path.dirname(dockerfile), tag: baseImageName(spec.name, specHash) }
      : { kind: 'image', image: spec.image ?? '' },
    path.join(logDirectory, 'base-image.log'),
  );
  const tag = gymImageName(spec.name, specHash);
  const containerWorkdir = spec.docker?.workdir ?? '/testbed';
  const failed = await buildGymImage(
    client,
    {
      baseImage,
      hostTree: workdir,
      workdir: containerWorkdir,
      deletions: (await listDeletedSinceImageCommit(workdir, spec.docker?.imageCommit, loaded.specPath)).map((file) => path.posix.join(containerWorkdir, file)),
      ...(spec.docker?.user ? { user: spec.docker.user } : {}),
      ...(spec.docker?.mounts ? { readOnlyMounts: checkHostMounts(toHostMounts(spec.docker.mounts), [workdir, logDirectory], `Gym spec ${loaded.specPath}`) } : {}),
      install: spec.install,
      env: buildContainerEnvironment(spec.env, spec.unsetEnv),
      timeoutMs: Math.max(spec.timeLimitSeconds * 1000, INSTALL_MINIMUM_TIME_MS),
      memoryBytes: Math.max(spec.memoryLimitMB * MEBIBYTE, INSTALL_MINIMUM_MEMORY_BYTES),
      tag,
      logDirectory,
    },
    {
      onInstall: (index, total, command) => emit({ type: 'install', index, total, command }),
      onInstallDone: (index, result) => emit({ type: 'install-done', index, durationMs: result.durationMs }),
    },
  );
  if (failed) {
    const { result } = failed;
    const why = result.timedOut ? 'timed out' : result.outOfMemory ? 'ran out of memory' : `exited with ${result.exitCode ?? result.signal}`;
    const tail = tailLines(await readFile(failed.logPath, 'utf8').catch(() => result.stdout + result.stderr));
    const step = failed.index === 0 ? 'The step that copies the repository into the image' : `Install command ${failed.index}/${spec.install.length}`;
    throw new SweMirrorError({
      code: 'GYM_INSTALL_FAILED',
      kind: 'user',
      message: `${step} of gym ${spec.name} ${why} in a container of ${baseImage}: ${failed.command}\n--- last lines of ${failed.logPath} ---\n${tail}`,
      hint: `${diagnoseInstallFailure(failed.command, tail, { workdir }) ?? `Fix the install command (or the image) in ${loaded.specPath}.`} Full log: ${failed.logPath}; then run gym prepare again.`,
      details: { logPath: failed.logPath, exitCode: result.exitCode, command: failed.command },
    });
  }
  return tag;
}

/**
 * Files of the image's commit that the gym commit no longer has (a dataset image holds the instance's base commit;
 * the gym commit is its fixed state): the copy step deletes them, as copying the tree over cannot.
 */
async function listDeletedSinceImageCommit(workdir: string, imageCommit: string | undefined, specPath: string): Promise<string[]> {
  if (!imageCommit) return [];
  const diff = await runGit(workdir, ['diff', '--name-only', '--no-renames', '--diff-filter=D', '-z', imageCommit, 'HEAD', '--']).catch((cause: unknown) => {
    throw new SweMirrorError({
      code: 'GYM_IMAGE_COMMIT_UNKNOWN',
      kind: 'user',
      message: `docker.imageCommit ${imageCommit} of ${specPath} is not a commit of the gym's repository.`,
      hint: "Set it to the commit the image's workdir holds (an ancestor of the gym commit), or remove it.",
      cause,
    });
  });
  return diff.split('\0').filter((file) => file !== '');
}

/** Whether a prepared gym's image is still there (true for gyms that do not run on docker). */
export async function hasGymImage(gym: PreparedGym): Promise<boolean> {
  if (!isDockerGym(gym.spec)) return true;
  if (!gym.image) return false;
  const { createDockerClient } = await import('../runtime/docker/client.js');
  const { hasImage } = await import('../runtime/docker/base-image.js');
  return hasImage(createDockerClient(), gym.image);
}

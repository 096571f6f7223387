import { existsSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SweMirrorError } from '../../core/errors.js';

/** A host directory or file shown read-only in every container of a docker gym (an operator's toolchain). */
export interface HostMount {
  source: string;
  target: string;
}

/** Host paths no gym may mount, whatever their spelling: the engine's socket and the secrets of a home directory. */
const FORBIDDEN_FILES = ['/var/run/docker.sock', '/run/docker.sock'];
const HOME_SECRETS = ['.ssh', '.gnupg', '.aws', '.docker', '.kube', '.config', '.netrc', '.npmrc', '.git-credentials', '.pypirc', '.cargo/credentials', '.cargo/credentials.toml'];

function isWithin(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * Check a gym's mounts against the host before any container starts: each source must exist, and neither it nor what
 * it resolves to may be, hold or lie inside the docker socket, a home directory's secrets, or the gym's own
 * directories (`protectedDirectories`: its prepared tree, whose copy in the image is what runs). Returns the mounts
 * with their sources resolved, so a symlink cannot be swapped to point elsewhere later.
 */
export function checkHostMounts(mounts: HostMount[], protectedDirectories: string[], where: string): HostMount[] {
  const homes = [...new Set([os.homedir(), process.env.HOME ?? os.homedir()])];
  const secrets = [...FORBIDDEN_FILES, ...homes.flatMap((home) => HOME_SECRETS.map((name) => path.join(home, name)))];
  return mounts.map((mount) => {
    const refuse = (why: string): never => {
      throw new SweMirrorError({
        code: 'DOCKER_MOUNT_REFUSED',
        kind: 'user',
        message: `${where}: docker.mounts source ${mount.source} ${why}.`,
        hint: 'Mount only toolchain directories (e.g. /usr/local/go, a rustup toolchain); see docs/docker.md, "Host toolchains".',
      });
    };
    if (!existsSync(mount.source)) refuse('does not exist on this machine');
    const resolved = realpathSync(mount.source);
    if (resolved === '/') refuse('is the root of the host');
    for (const candidate of [mount.source, resolved]) {
      for (const secret of secrets) {
        if (isWithin(candidate, secret) || isWithin(secret, candidate)) refuse(`is, holds or lies inside ${secret}`);
      }
      for (const home of homes) if (candidate === home) refuse('is a home directory');
      for (const directory of protectedDirectories) {
        if (isWithin(candidate, directory) || isWithin(directory, candidate)) refuse(`is, holds or lies inside the gym's directory ${directory}`);
      }
    }
    return { source: resolved, target: mount.target };
  });
}

/** The engine's bind strings: read-only always. */
export function toReadOnlyBinds(mounts: HostMount[]): string[] {
  return mounts.map((mount) => `${mount.source}:${mount.target}:ro`);
}

/** A spec's mounts with their targets filled in (default: the same path as on the host). */
export function toHostMounts(mounts: { source: string; target?: string | undefined }[]): HostMount[] {
  return mounts.map((mount) => ({ source: path.posix.normalize(mount.source), target: path.posix.normalize(mount.target ?? mount.source) }));
}

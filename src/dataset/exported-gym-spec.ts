import type { GymSpec } from '../config/gym-spec.js';
import type { PreparedGym } from '../gym/types.js';

/** Where the export's warnings go: stderr, one line each. */
export type ExportWarn = (line: string) => void;
const toStderr: ExportWarn = (line) => {
  process.stderr.write(`${line}\n`);
};

/**
 * The spec an export carries for a gym. A docker gym is exported on its prepared gym image
 * (`swe-mirror/<gym>:<spec hash>`, what `image_name` names): that image already holds the installs, so the spec
 * drops its Dockerfile (which does not travel with the export) and install commands, and the image's workdir holds
 * exactly the gym commit. Local gyms are exported as they are.
 *
 * `docker.mounts` are kept (the image's installs and suite expect those toolchains at those paths, so without them
 * neither validate-export nor an evaluation could run), and `warn` is told once, naming the host paths: the export
 * then runs only where the same paths hold the same toolchains. Called once per exported gym.
 */
export function toExportedGymSpec(gym: Pick<PreparedGym, 'spec' | 'image'>, warn: ExportWarn = toStderr): GymSpec {
  const warning = hostMountsWarning(gym.spec);
  if (warning) warn(warning);
  if (gym.spec.runtime !== 'docker' || !gym.image) return gym.spec;
  const { dockerfile: _dockerfile, context: _context, imageCommit: _imageCommit, ...docker } = gym.spec.docker ?? { workdir: '/testbed' };
  return { ...gym.spec, image: gym.image, docker, install: [] };
}

/** The warning for a docker gym whose containers show host paths of this machine (docker.mounts), else undefined. */
export function hostMountsWarning(spec: GymSpec): string | undefined {
  const mounts = spec.runtime === 'docker' ? (spec.docker?.mounts ?? []) : [];
  if (mounts.length === 0) return undefined;
  const named = mounts.map((mount) => (mount.target && mount.target !== mount.source ? `${mount.source} (at ${mount.target})` : mount.source));
  return (
    `warning: the exported gym ${spec.name} depends on host paths of this machine, mounted read-only in its containers ` +
    `(docker.mounts: ${named.join(', ')}); its spec keeps them, so it runs only where the same paths hold the same toolchains.`
  );
}

/** The image exported records name: the prepared gym image of a docker gym, else the spec's image. */
export function exportedImageName(gym: Pick<PreparedGym, 'spec' | 'image'>): string | undefined {
  return gym.spec.runtime === 'docker' && gym.image ? gym.image : gym.spec.image;
}

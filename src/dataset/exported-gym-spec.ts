import type { GymSpec } from '../config/gym-spec.js';
import type { PreparedGym } from '../gym/types.js';

/**
 * The spec an export carries for a gym. A docker gym is exported on its prepared gym image
 * (`swe-mirror/<gym>:<spec hash>`, what `image_name` names): that image already holds the installs, so the spec
 * drops its Dockerfile (which does not travel with the export) and install commands, and the image's workdir holds
 * exactly the gym commit. Local gyms are exported as they are.
 */
export function toExportedGymSpec(gym: Pick<PreparedGym, 'spec' | 'image'>): GymSpec {
  if (gym.spec.runtime !== 'docker' || !gym.image) return gym.spec;
  const { dockerfile: _dockerfile, context: _context, imageCommit: _imageCommit, ...docker } = gym.spec.docker ?? { workdir: '/testbed' };
  return { ...gym.spec, image: gym.image, docker, install: [] };
}

/** The image exported records name: the prepared gym image of a docker gym, else the spec's image. */
export function exportedImageName(gym: Pick<PreparedGym, 'spec' | 'image'>): string | undefined {
  return gym.spec.runtime === 'docker' && gym.image ? gym.image : gym.spec.image;
}

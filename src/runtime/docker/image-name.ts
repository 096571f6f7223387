/** Tag of a prepared gym's image: swe-mirror/<gym>:<first 12 hex digits of the spec hash>. */
export function gymImageName(gymName: string, specHash: string): string {
  return `swe-mirror/${toRepositoryComponent(gymName)}:${specHash.slice(0, 12)}`;
}

/** Tag of a base image built from a gym's Dockerfile. */
export function baseImageName(gymName: string, specHash: string): string {
  return `swe-mirror-base/${toRepositoryComponent(gymName)}:${specHash.slice(0, 12)}`;
}

/** A Docker repository path component: lowercase letters and digits joined by single separators. */
function toRepositoryComponent(name: string): string {
  const component = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return component === '' ? 'gym' : component;
}

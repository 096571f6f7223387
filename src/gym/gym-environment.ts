import path from 'node:path';

/** Environment for installs and suite runs: build caches in the gym's cache dir, quiet colourless CI output, then the spec's env. */
export function buildGymEnvironment(
  workdir: string,
  cacheDirectory: string,
  specEnvironment: Record<string, string>,
): Record<string, string> {
  return {
    GOCACHE: path.join(cacheDirectory, 'go-build'),
    GOPATH: path.join(cacheDirectory, 'go'),
    GOMODCACHE: path.join(cacheDirectory, 'go', 'pkg', 'mod'),
    npm_config_cache: path.join(cacheDirectory, 'npm'),
    PIP_CACHE_DIR: path.join(cacheDirectory, 'pip'),
    XDG_CACHE_HOME: path.join(cacheDirectory, 'xdg'),
    // Cargo's build output stays in the working copy, where reset keeps it as an ignored artefact.
    CARGO_TARGET_DIR: path.join(workdir, 'target'),
    PYTHONDONTWRITEBYTECODE: '1',
    CI: 'true',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    ...specEnvironment,
  };
}

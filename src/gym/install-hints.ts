/** Network failures as npm, git and curl print them. */
const NETWORK_FAILURE = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH|Could not resolve host|unable to access/;
/** Lockfile entries that are not registry packages: GitHub tarballs and git URLs. */
const GITHUB_DEPENDENCY = /codeload\.github\.com|git\+(?:ssh|https):\/\/[^\s]*github\.com|github:[\w.-]+\/|https:\/\/github\.com\/[^\s]+\.(?:tar\.gz|tgz|git)/;

/** A more specific hint for an install that failed, from its output; undefined when nothing specific is recognised. */
export function diagnoseInstallFailure(command: string, output: string): string | undefined {
  const isNpm = /\bnpm\b|\byarn\b|\bpnpm\b/.test(command);
  if (isNpm && GITHUB_DEPENDENCY.test(output) && NETWORK_FAILURE.test(output)) {
    return (
      'The lockfile has dependencies fetched from GitHub (tarballs or git URLs), not from the registry: ' +
      'installing them needs network access to github.com, which this machine does not have at prepare time. ' +
      'Allow it, or point those entries at registry versions (or a local mirror) in a fork of the gym.'
    );
  }
  return undefined;
}

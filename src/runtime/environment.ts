import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/** Names of inherited variables that are toolchain homes: their directories are mounted read-only. */
export const TOOLCHAIN_VARIABLES = [
  'CARGO_HOME',
  'RUSTUP_HOME',
  'GOROOT',
  'JAVA_HOME',
  'PYENV_ROOT',
  'NVM_DIR',
  'VOLTA_HOME',
  'PNPM_HOME',
  'BUN_INSTALL',
  'DENO_INSTALL',
  'SDKMAN_DIR',
  'MAVEN_HOME',
  'GRADLE_HOME',
] as const;

/**
 * Variables a sandboxed run inherits from swe-mirror's own environment: an allowlist, never a name filter.
 * Anything else (API keys under any name, DATABASE_URL, tokens, SSH agents, cloud credentials) is not passed on.
 */
const INHERITED = new Set<string>([
  'PATH',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TERM',
  // Toolchain homes: where compilers and runtimes live, read-only in the sandbox.
  ...TOOLCHAIN_VARIABLES,
  'RUSTUP_TOOLCHAIN',
  'PYENV_VERSION',
  'NVM_BIN',
  // Certificate bundles (paths, not secrets), used by installs that have network.
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'NODE_EXTRA_CA_CERTS',
  'REQUESTS_CA_BUNDLE',
  'CURL_CA_BUNDLE',
  'PIP_CERT',
  'GIT_SSL_CAINFO',
]);
const INHERITED_PREFIXES = ['LC_'];

/** Toolchain homes that default to the operator's home directory, which the sandbox does not show. */
const HOME_TOOLCHAINS = [
  ['CARGO_HOME', '.cargo'],
  ['RUSTUP_HOME', '.rustup'],
  ['PYENV_ROOT', '.pyenv'],
] as const;

/** The allowlisted part of an environment. */
export function inheritedEnvironment(source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined) continue;
    if (INHERITED.has(name) || INHERITED_PREFIXES.some((prefix) => name.startsWith(prefix))) env[name] = value;
  }
  const home = homedir();
  for (const [variable, directory] of HOME_TOOLCHAINS) {
    if (env[variable] === undefined && existsSync(path.join(home, directory))) env[variable] = path.join(home, directory);
  }
  return env;
}

/** A sandboxed run's environment: the allowlist, then HOME and TMPDIR inside the sandbox, then the run's own variables. */
export function buildRunEnvironment(home: string, temporary: string, overrides: Record<string, string> = {}): Record<string, string> {
  return { ...inheritedEnvironment(), HOME: home, TMPDIR: temporary, TMP: temporary, TEMP: temporary, ...overrides };
}


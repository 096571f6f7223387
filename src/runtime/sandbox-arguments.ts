/** What the bubblewrap command line needs to know about one run. */
export interface SandboxPlan {
  cwd: string;
  /** Writable bind mounts besides cwd (the private temp dir, caches...). */
  writablePaths: string[];
  allowNetwork: boolean;
}

/** bwrap argv prefix: read-only root, writable cwd + given paths, fresh /dev and /proc, own pid namespace, no network unless allowed. */
export function buildBubblewrapArguments(plan: SandboxPlan): string[] {
  const argv = ['bwrap', '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc'];
  // Binding a parent after its child would hide the child's mount: bind shortest paths first.
  const writable = [...new Set([plan.cwd, ...plan.writablePaths])].sort((left, right) => left.length - right.length);
  for (const writablePath of writable) argv.push('--bind', writablePath, writablePath);
  argv.push('--unshare-pid', '--unshare-ipc', '--die-with-parent', '--new-session');
  if (!plan.allowNetwork) argv.push('--unshare-net');
  argv.push('--chdir', plan.cwd, '--');
  return argv;
}

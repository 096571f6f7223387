import type { ViewEntry } from './filesystem-view.js';

/** A directory bound into the sandbox after the read-only view: a layer's merged tree, or a path the run may write. */
export interface SandboxMount {
  source: string;
  target: string;
  writable: boolean;
}

/** Everything the bubblewrap command line needs to know about one run. */
export interface SandboxPlan {
  /** Working directory, as the run sees it. */
  cwd: string;
  /** The read-only system view (system directories with secrets masked, toolchains). */
  view: ViewEntry[];
  /** Bound after the view, shortest target first. */
  mounts: SandboxMount[];
  /** The private, empty home directory (a tmpfs). */
  home: string;
  /** Size of /dev/shm. */
  sharedMemoryBytes: number;
  allowNetwork: boolean;
  /** The whole environment of the run (bubblewrap clears its own). */
  env: Record<string, string>;
}

/** Directories every sandbox gets fresh and empty: no host sockets, no host temp files. */
const FRESH_DIRECTORIES = ['/tmp', '/run', '/var/tmp'];

/**
 * bwrap argv prefix for a run: a new user namespace with every capability dropped and further namespaces
 * refused; own pid, ipc, uts, cgroup and (unless allowed) network namespaces; an empty root holding only the
 * read-only view, fresh /dev, /proc, /tmp, /run and a bounded /dev/shm, a private home and the plan's mounts.
 */
export function buildBubblewrapArguments(program: string, plan: SandboxPlan): string[] {
  const argv = [program, '--unshare-user', '--disable-userns', '--cap-drop', 'ALL'];
  argv.push('--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try', '--die-with-parent', '--new-session');
  if (!plan.allowNetwork) argv.push('--unshare-net');
  argv.push('--hostname', 'swe-mirror-sandbox');
  argv.push('--clearenv');
  for (const [name, value] of Object.entries(plan.env)) argv.push('--setenv', name, value);
  for (const entry of plan.view) {
    if (entry.kind === 'ro-bind') argv.push('--ro-bind', entry.source, entry.target);
    else if (entry.kind === 'symlink') argv.push('--symlink', entry.link, entry.target);
    else if (entry.kind === 'mask-file') argv.push('--ro-bind', '/dev/null', entry.target);
    else argv.push('--tmpfs', entry.target, '--remount-ro', entry.target);
  }
  // A run is uid 0 outside its namespaces when swe-mirror is: /proc/sys (core_pattern, modprobe...) must be read-only.
  argv.push('--dev', '/dev', '--proc', '/proc', '--ro-bind', '/proc/sys', '/proc/sys');
  argv.push('--size', String(plan.sharedMemoryBytes), '--tmpfs', '/dev/shm');
  const mounts = [...plan.mounts].sort((left, right) => left.target.length - right.target.length);
  for (const directory of FRESH_DIRECTORIES) if (!mounts.some((mount) => mount.target === directory)) argv.push('--tmpfs', directory);
  argv.push('--tmpfs', plan.home);
  // Binding a parent after its child would hide the child's mount: shortest targets first.
  for (const mount of mounts) argv.push(mount.writable ? '--bind' : '--ro-bind', mount.source, mount.target);
  argv.push('--chdir', plan.cwd, '--');
  return argv;
}

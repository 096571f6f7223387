import { constants } from 'node:fs';
import { open, readFile } from 'node:fs/promises';

/**
 * The host's view of a running container's pids cgroup, read where the engine runs on this machine: the engine
 * enforces the pids limit but does not report reaching it, so swe-mirror reads `pids.events` (cgroup v1 or v2)
 * itself, as the local runtime does for its own cgroups.
 */
export interface ContainerProcessCounter {
  /** Whether a fork was refused because the container was at its limit. */
  hasReachedLimit(): Promise<boolean>;
}

/** Whether the client talks to an engine on this machine (a unix socket), so host pids and cgroups are the container's. */
export function isLocalEngine(dockerHost: string | undefined = process.env.DOCKER_HOST): boolean {
  return dockerHost === undefined || dockerHost === '' || dockerHost.startsWith('unix://');
}

/** The pids.events file of the container whose first process is `pid` on the host; undefined when it cannot be found. */
export async function findContainerProcessCounter(pid: number, containerId: string): Promise<ContainerProcessCounter | undefined> {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const membership = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => '');
  // A recycled pid belongs to another process: only a cgroup path naming the container counts.
  const lines = membership.split('\n').filter((line) => line.includes(containerId));
  const v1 = lines.find((line) => line.split(':')[1]?.split(',').includes('pids'));
  const v2 = lines.find((line) => line.startsWith('0::'));
  const file = v1 ? `/sys/fs/cgroup/pids${v1.split(':').slice(2).join(':')}/pids.events` : v2 ? `/sys/fs/cgroup${v2.slice(3)}/pids.events` : undefined;
  if (!file) return undefined;
  const read = async (): Promise<string | undefined> => readFile(file, 'utf8').catch(() => undefined);
  if ((await read()) === undefined) return undefined;
  return {
    async hasReachedLimit() {
      const events = await read();
      const max = events?.match(/^max (\d+)/m);
      return max !== null && max !== undefined && Number(max[1]) > 0;
    },
  };
}

const KERNEL_LOG = '/dev/kmsg';
const KERNEL_RECORD_BYTES = 8192;

/**
 * Whether the kernel log holds an OOM kill in the memory cgroup of `containerId` (its `oom-kill:` record names the
 * cgroup, `oom_memcg=/…<id>…`). For an engine that does not report it itself: Podman on a cgroup v1 host says
 * `OOMKilled: false` and the container's cgroup is gone once it has exited, but the kernel writes this record before
 * it delivers the kill, so it is there when the exit is seen. False when the log cannot be read (no CAP_SYSLOG).
 */
export async function hasKernelOomKill(containerId: string): Promise<boolean> {
  if (!/^[0-9a-f]{12,}$/.test(containerId)) return false;
  const handle = await open(KERNEL_LOG, constants.O_RDONLY | constants.O_NONBLOCK).catch(() => undefined);
  if (!handle) return false;
  const record = Buffer.alloc(KERNEL_RECORD_BYTES);
  try {
    // One record a read, oldest first, until none is left (EAGAIN); EPIPE: a record was overwritten, read on.
    for (;;) {
      const read = await handle.read(record, 0, record.length, null).catch((error: NodeJS.ErrnoException) => (error.code === 'EPIPE' ? { bytesRead: -1 } : undefined));
      if (!read || read.bytesRead === 0) return false;
      if (read.bytesRead < 0) continue;
      const message = record.subarray(0, read.bytesRead).toString('utf8');
      if (message.includes('oom-kill:') && new RegExp(`oom_memcg=[^,\\s]*${containerId}`).test(message)) return true;
    }
  } finally {
    await handle.close();
  }
}

import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isProcessAlive as isAlive } from '../core/processes.js';

/**
 * A control group holding one run's whole process tree: memory is limited on everything the tree holds
 * (heap, page cache, tmpfs and /dev/shm files, memfd), and so is the number of processes and threads.
 * cgroup v2 (a delegated subtree) and v1 (memory and pids hierarchies) are both used where writable.
 */
export interface RunCgroup {
  /** cgroup.procs files a process writes its pid to, to join (one per hierarchy). */
  procsFiles: string[];
  /** Whether the kernel killed a process of the tree for memory since the group was made. */
  outOfMemory(): boolean;
  /** Whether a fork or clone failed on the process limit. */
  processLimitReached(): boolean;
  /** SIGKILL everything still in the group, then remove it. */
  destroy(): Promise<void>;
}

export interface CgroupSupport {
  memory: boolean;
  pids: boolean;
  /** What is not available, said plainly; empty when both are. */
  missing: string[];
}

interface Hierarchy {
  version: 1 | 2;
  /** Our own cgroup's directory in that hierarchy. */
  directory: string;
  controllers: Set<'memory' | 'pids'>;
}

let sequence = 0;

function readMountPoints(): Map<string, string> {
  // controller list (v1) or 'unified' → mount point
  const points = new Map<string, string>();
  let text = '';
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return points;
  }
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const mountPoint = left.split(' ')[4];
    const [type, , superOptions] = right.split(' ');
    if (!mountPoint) continue;
    if (type === 'cgroup2') points.set('unified', mountPoint);
    if (type === 'cgroup') for (const option of (superOptions ?? '').split(',')) if (option === 'memory' || option === 'pids') points.set(option, mountPoint);
  }
  return points;
}

function findHierarchies(): Hierarchy[] {
  const points = readMountPoints();
  let membership = '';
  try {
    membership = readFileSync('/proc/self/cgroup', 'utf8');
  } catch {
    return [];
  }
  const found: Hierarchy[] = [];
  for (const line of membership.split('\n')) {
    const [id, controllers, relative] = line.split(':');
    if (relative === undefined) continue;
    if (id === '0' && controllers === '') {
      const mountPoint = points.get('unified');
      if (!mountPoint) continue;
      const directory = path.join(mountPoint, relative);
      const available = new Set<'memory' | 'pids'>();
      try {
        const enabled = readFileSync(path.join(directory, 'cgroup.subtree_control'), 'utf8').split(/\s+/);
        for (const name of ['memory', 'pids'] as const) if (enabled.includes(name)) available.add(name);
      } catch {
        continue;
      }
      if (available.size > 0) found.push({ version: 2, directory, controllers: available });
      continue;
    }
    for (const name of ['memory', 'pids'] as const) {
      const mountPoint = points.get(name);
      if (mountPoint && (controllers ?? '').split(',').includes(name)) {
        found.push({ version: 1, directory: path.join(mountPoint, relative), controllers: new Set([name]) });
      }
    }
  }
  return found;
}

let cachedSupport: { hierarchies: Hierarchy[]; support: CgroupSupport } | undefined;

/** Which limits this machine lets swe-mirror put on a run's process tree (probed once by making a group). */
export async function probeCgroups(): Promise<CgroupSupport> {
  if (cachedSupport) return cachedSupport.support;
  const usable: Hierarchy[] = [];
  for (const hierarchy of findHierarchies()) {
    const probe = path.join(hierarchy.directory, `swe-mirror-probe-${process.pid}`);
    try {
      await mkdir(probe);
      await rmdir(probe);
      usable.push(hierarchy);
    } catch {
      // Not writable for us (no delegation): this hierarchy is not used.
      continue;
    }
    await removeStaleGroups(hierarchy);
  }
  const memory = usable.some((hierarchy) => hierarchy.controllers.has('memory'));
  const pids = usable.some((hierarchy) => hierarchy.controllers.has('pids'));
  const missing = [
    ...(memory ? [] : ['no memory cgroup (memory held in tmpfs, /dev/shm or memfd is not counted; only the RSS watchdog applies)']),
    ...(pids ? [] : ['no pids cgroup (the process limit is enforced by a watchdog that counts the tree)']),
  ];
  cachedSupport = { hierarchies: usable, support: { memory, pids, missing } };
  return cachedSupport.support;
}

/** Make a group for one run with the given limits; undefined when the machine offers none. */
export async function createRunCgroup(limits: { memoryBytes: number; processLimit: number }): Promise<RunCgroup | undefined> {
  await probeCgroups();
  const hierarchies = cachedSupport?.hierarchies ?? [];
  if (hierarchies.length === 0) return undefined;
  sequence += 1;
  const name = `swe-mirror-${process.pid}-${sequence}`;
  const groups: Array<{ hierarchy: Hierarchy; directory: string }> = [];
  try {
    for (const hierarchy of hierarchies) {
      const directory = path.join(hierarchy.directory, name);
      await mkdir(directory);
      groups.push({ hierarchy, directory });
      await configure(hierarchy, directory, limits);
    }
  } catch (error) {
    await Promise.all(groups.map(({ directory }) => rmdir(directory).catch(() => undefined)));
    throw error;
  }
  const read = (directory: string, file: string): string => {
    try {
      return readFileSync(path.join(directory, file), 'utf8');
    } catch {
      return '';
    }
  };
  const counter = (text: string, key: string): number => Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return {
    procsFiles: groups.map(({ directory }) => path.join(directory, 'cgroup.procs')),
    outOfMemory: () =>
      groups.some(({ hierarchy, directory }) =>
        hierarchy.controllers.has('memory')
          ? hierarchy.version === 2
            ? counter(read(directory, 'memory.events'), 'oom_kill') > 0 || counter(read(directory, 'memory.events'), 'oom') > 0
            : counter(read(directory, 'memory.oom_control'), 'oom_kill') > 0
          : false,
      ),
    processLimitReached: () =>
      groups.some(({ hierarchy, directory }) => hierarchy.controllers.has('pids') && counter(read(directory, 'pids.events'), 'max') > 0),
    destroy: async () => {
      for (const { hierarchy, directory } of groups) await emptyGroup(hierarchy, directory);
      // Empty now; the directories go in the background (a group lingers briefly after its last process is
      // reaped). Groups a killed process left are removed by the next start.
      void Promise.all(groups.map(({ directory }) => removeGroup(directory))).catch(() => undefined);
    },
  };
}

async function configure(hierarchy: Hierarchy, directory: string, limits: { memoryBytes: number; processLimit: number }): Promise<void> {
  const write = (file: string, value: string | number): Promise<void> => writeFile(path.join(directory, file), String(value));
  if (hierarchy.controllers.has('memory')) {
    if (hierarchy.version === 2) {
      await write('memory.max', limits.memoryBytes);
      if (existsSync(path.join(directory, 'memory.swap.max'))) await write('memory.swap.max', 0);
      if (existsSync(path.join(directory, 'memory.oom.group'))) await write('memory.oom.group', 1);
    } else {
      await write('memory.limit_in_bytes', limits.memoryBytes);
      // Without this the tree could push its memory to swap and hold more than the limit.
      if (existsSync(path.join(directory, 'memory.memsw.limit_in_bytes'))) await write('memory.memsw.limit_in_bytes', limits.memoryBytes).catch(() => undefined);
    }
  }
  if (hierarchy.controllers.has('pids')) await write('pids.max', limits.processLimit);
}

async function emptyGroup(hierarchy: Hierarchy, directory: string): Promise<void> {
  if (hierarchy.version === 2 && existsSync(path.join(directory, 'cgroup.kill'))) {
    await writeFile(path.join(directory, 'cgroup.kill'), '1').catch(() => undefined);
  }
  for (let round = 0; round < 50; round += 1) {
    const pids = (await readFile(path.join(directory, 'cgroup.procs'), 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map(Number);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Groups left by a swe-mirror process that was killed (-9) before it could remove them. */
async function removeStaleGroups(hierarchy: Hierarchy): Promise<void> {
  const { directory } = hierarchy;
  const entries = await readdir(directory).catch(() => [] as string[]);
  for (const entry of entries) {
    const owner = /^swe-mirror-(\d+)-\d+$/.exec(entry)?.[1];
    if (owner === undefined || isAlive(Number(owner))) continue;
    await emptyGroup(hierarchy, path.join(directory, entry));
    await rmdir(path.join(directory, entry)).catch(() => undefined);
  }
}


async function removeGroup(directory: string): Promise<void> {
  // A group is removable once its last process has been reaped, which can lag the kill a little.
  for (let round = 0; round < 100; round += 1) {
    try {
      await rmdir(directory);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

import { readdirSync, readFileSync } from 'node:fs';

interface ProcessEntry {
  pid: number;
  parentPid: number;
  residentBytes: number;
}

const PAGE_SIZE_BYTES = 4096;

function readProcessEntry(pid: number): ProcessEntry | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may itself contain spaces or parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const parentPid = Number(fields[1]);
  const residentPages = Number(fields[21]);
  if (!Number.isFinite(parentPid)) return undefined;
  return { pid, parentPid, residentBytes: Number.isFinite(residentPages) ? residentPages * PAGE_SIZE_BYTES : 0 };
}

function listProcesses(): ProcessEntry[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const entries: ProcessEntry[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const entry = readProcessEntry(Number(name));
    if (entry) entries.push(entry);
  }
  return entries;
}

/** The root process and all its descendants, as found in /proc right now. */
export function listProcessTree(rootPid: number): ProcessEntry[] {
  const entries = listProcesses();
  const childrenByParent = new Map<number, ProcessEntry[]>();
  let root: ProcessEntry | undefined;
  for (const entry of entries) {
    if (entry.pid === rootPid) root = entry;
    const siblings = childrenByParent.get(entry.parentPid) ?? [];
    siblings.push(entry);
    childrenByParent.set(entry.parentPid, siblings);
  }
  if (!root) return [];
  const tree: ProcessEntry[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const entry = pending.pop() as ProcessEntry;
    tree.push(entry);
    pending.push(...(childrenByParent.get(entry.pid) ?? []));
  }
  return tree;
}

/** Sum of resident memory of a process tree (shared pages are counted once per process, so this errs high). */
export function measureTreeResidentBytes(rootPid: number): number {
  return listProcessTree(rootPid).reduce((total, entry) => total + entry.residentBytes, 0);
}

/** Send a signal to every process of a tree and to the root's process group; missing processes are ignored. */
export function signalProcessTree(rootPid: number, signal: NodeJS.Signals): void {
  const pids = listProcessTree(rootPid).map((entry) => entry.pid);
  trySignal(-rootPid, signal);
  // Deepest first, so parents cannot respawn children between the two kills.
  for (const pid of pids.reverse()) trySignal(pid, signal);
}

function trySignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone, or not ours to signal.
  }
}

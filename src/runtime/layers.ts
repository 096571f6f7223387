import { spawnSync } from 'node:child_process';
import { lstatSync, realpathSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { SweMirrorError } from '../core/errors.js';
import { isPathInside } from '../core/paths.js';
import type { RunLayer } from '../core/process.js';
import type { SandboxMount } from './sandbox-arguments.js';

/**
 * How a run's throw-away layers are made:
 * - 'overlay': an overlayfs per layer (source read-only below, a fresh upper directory above), mounted in a
 *   private mount namespace of a new user namespace just before bubblewrap starts; gone when the run ends.
 * - 'copy': where overlayfs cannot be mounted, a full copy of the source per run (slower, same effect).
 */
export type LayerMechanism = 'overlay' | 'copy';

/** One layer made for one run: where the run's view of it lives on the host. */
interface MadeLayer {
  layer: Required<RunLayer>;
  /** What the sandbox binds at the target. */
  merged: string;
  /** Where what the run wrote can be read afterwards (the upper directory, or the copy). */
  written: string;
}

export interface PreparedLayers {
  mounts: SandboxMount[];
  /** argv prefix that enters a user and mount namespace for the overlays; empty when nothing needs mounting. */
  namespaces: string[];
  /** (mount options, directory) pairs for the launcher to mount, in that namespace. */
  overlayMounts: string[];
  /** Read a file the run left at `target` path (as the run saw it); undefined when absent or not a regular file. */
  collect(file: string): Promise<Buffer | undefined>;
}

const UNSHARE = 'unshare';
/** Shell: mounts each (options, directory) pair given before `--`, and shifts past the `--`. The run's launcher uses it too. */
export const OVERLAY_MOUNT_LOOP = 'while [ "$1" != "--" ]; do mount -n -i -t overlay overlay -o "$1" "$2" || exit 125; shift 2; done; shift';
const MOUNT_SCRIPT = `${OVERLAY_MOUNT_LOOP}; exec "$@"`;
const COLLECT_LIMIT_BYTES = 512 * 1024 * 1024;

let mechanismCheck: LayerMechanism | undefined;

/** Whether overlayfs can be mounted in a user namespace here (probed once, in the scratch directory). */
export async function probeLayerMechanism(scratchRoot: string): Promise<LayerMechanism> {
  if (mechanismCheck) return mechanismCheck;
  const probe = await mkdtemp(path.join(scratchRoot, 'swe-mirror-overlay-probe-'));
  try {
    await Promise.all(['lower/directory', 'upper', 'work', 'merged'].map((name) => mkdir(path.join(probe, name), { recursive: true })));
    const options = overlayOptions(`${probe}/lower`, `${probe}/upper`, `${probe}/work`);
    // Removing a lower directory needs whiteouts and xattrs: the part that fails where overlayfs is half supported.
    const check = ['rmdir', `${probe}/merged/directory`];
    const result = spawnSync(UNSHARE, ['--user', '--map-root-user', '--mount', '--propagation', 'private', '--', 'sh', '-c', MOUNT_SCRIPT, 'sh', options, `${probe}/merged`, '--', ...check], {
      stdio: 'ignore',
      timeout: 10_000,
    });
    mechanismCheck = result.status === 0 ? 'overlay' : 'copy';
  } finally {
    await removeScratch(probe);
  }
  return mechanismCheck;
}

/** userxattr: in a user namespace overlayfs keeps its whiteout and opaque marks in user.* xattrs (trusted.* are refused, giving EIO on rm -rf of a lower directory). */
function overlayOptions(lower: string, upper: string, work: string): string {
  return `lowerdir=${lower},upperdir=${upper},workdir=${work},userxattr`;
}

function checkMountablePath(directory: string): void {
  if (/[,:\\\n]/.test(directory)) {
    throw new SweMirrorError({
      code: 'RUNTIME_LAYER_PATH',
      kind: 'user',
      message: `Cannot make a throw-away layer over ${directory}: overlayfs cannot take a path with ",", ":", "\\" or a newline.`,
      hint: 'Use a data directory (--data-dir or SWE_MIRROR_DATA_DIR) whose path has none of these characters.',
    });
  }
}

/** Make the layers of one run under `scratch` (a fresh directory the caller removes afterwards). */
export async function prepareLayers(layers: RunLayer[], scratch: string, mechanism: LayerMechanism): Promise<PreparedLayers> {
  const made: MadeLayer[] = [];
  const resolved = layers.map((given): Required<RunLayer> => ({
    source: path.resolve(given.source),
    target: path.resolve(given.target ?? given.source),
    mode: given.mode ?? 'overlay',
  }));
  const overlaid = resolved.filter((layer) => layer.mode === 'overlay');
  const mountOptions: string[] = [];
  for (const layer of resolved.filter((entry) => entry.mode === 'writable')) made.push({ layer, merged: layer.source, written: layer.source });
  if (mechanism === 'overlay' && overlaid.length > 0) {
    // One overlayfs over the layers' deepest common directory where there is one (a gym's copy, cache and temp
    // directory share the gym's directory): a mount costs about as much as the rest of a run's setup together.
    const ancestor = commonAncestor(overlaid.map((layer) => layer.source));
    const groups = ancestor && ancestor.split(path.sep).length > 2 ? [{ lower: ancestor, members: overlaid }] : overlaid.map((layer) => ({ lower: layer.source, members: [layer] }));
    for (const [index, group] of groups.entries()) {
      const base = path.join(scratch, `layer-${index}`);
      checkMountablePath(group.lower);
      checkMountablePath(base);
      await Promise.all(['upper', 'work', 'merged'].map((name) => mkdir(path.join(base, name), { recursive: true })));
      mountOptions.push(overlayOptions(group.lower, `${base}/upper`, `${base}/work`), path.join(base, 'merged'));
      for (const layer of group.members) {
        const relative = path.relative(group.lower, layer.source);
        made.push({ layer, merged: path.join(base, 'merged', relative), written: path.join(base, 'upper', relative) });
      }
    }
  } else {
    for (const [index, layer] of overlaid.entries()) {
      const copy = path.join(scratch, `layer-${index}`, 'copy');
      await mkdir(path.dirname(copy), { recursive: true });
      await cp(layer.source, copy, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
      made.push({ layer, merged: copy, written: copy });
    }
  }
  return {
    mounts: made.map((entry) => ({ source: entry.merged, target: entry.layer.target, writable: true })),
    namespaces: mountOptions.length === 0 ? [] : [UNSHARE, '--user', '--map-root-user', '--mount', '--propagation', 'private', '--'],
    overlayMounts: mountOptions,
    collect: (file) => collectFile(made, path.resolve(file)),
  };
}

/** The deepest directory holding every path (undefined when only / does). */
function commonAncestor(paths: string[]): string | undefined {
  const split = paths.map((entry) => entry.split(path.sep));
  const shortest = Math.min(...split.map((parts) => parts.length));
  let depth = 0;
  while (depth < shortest && split.every((parts) => parts[depth] === split[0]?.[depth])) depth += 1;
  const common = (split[0] ?? []).slice(0, depth).join(path.sep);
  return common === '' ? undefined : common;
}


/** Read what the run left at `file`, refusing anything that is not a regular file inside the layer (symlinks included). */
async function collectFile(made: MadeLayer[], file: string): Promise<Buffer | undefined> {
  const owner = [...made].sort((left, right) => right.layer.target.length - left.layer.target.length).find((entry) => isPathInside(file, entry.layer.target));
  if (!owner) return undefined;
  const relative = path.relative(owner.layer.target, file);
  for (const root of owner.written === owner.layer.source ? [owner.written] : [owner.written, owner.layer.source]) {
    const candidate = path.join(root, relative);
    let stats;
    try {
      stats = lstatSync(candidate);
    } catch {
      continue;
    }
    // A whiteout (character device) means the run deleted it; a symlink could point anywhere on the host.
    if (!stats.isFile()) return undefined;
    let real: string;
    try {
      real = realpathSync(candidate);
    } catch {
      return undefined;
    }
    if (!isPathInside(real, realpathSync(root)) || stats.size > COLLECT_LIMIT_BYTES) return undefined;
    return readFile(real);
  }
  return undefined;
}

/** Remove a run's scratch directory, even where the run left directories without write permission. */
export async function removeScratch(directory: string): Promise<void> {
  try {
    await rm(directory, { recursive: true, force: true });
  } catch {
    await makeWritable(directory);
    await rm(directory, { recursive: true, force: true });
  }
}

async function makeWritable(directory: string): Promise<void> {
  spawnSync('chmod', ['-R', 'u+rwx', directory], { stdio: 'ignore' });
  await chmod(directory, 0o700).catch(() => undefined);
}

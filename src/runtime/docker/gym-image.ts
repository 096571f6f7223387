import path from 'node:path';
import type Docker from 'dockerode';
import type { ProcessResult } from '../../core/process.js';
import { listTree, packFiles } from './archive.js';
import { runContainer } from './run-container.js';
import type { HostMount } from './host-mounts.js';

/** Everything needed to turn a base image plus a host tree into a gym image: plain data, no gym types. */
export interface GymImagePlan {
  baseImage: string;
  /** The host tree (the gym repository at its commit, .git included) copied to `workdir`. */
  hostTree: string;
  /** Container paths the copy step deletes (files the gym commit removed from what the base image holds). */
  deletions?: string[];
  workdir: string;
  user?: string;
  /** Host paths shown read-only in every step's container (checked by checkHostMounts). */
  readOnlyMounts?: HostMount[];
  install: string[];
  env: Record<string, string>;
  timeoutMs: number;
  memoryBytes: number;
  /** The tag of the result, swe-mirror/<gym>:<hash>. */
  tag: string;
  logDirectory: string;
}

export interface GymImageHooks {
  onInstall?: (index: number, total: number, command: string) => void;
  onInstallDone?: (index: number, result: ProcessResult) => void;
}

/** An install command that did not exit 0: the caller turns it into its own error. */
export interface FailedInstall {
  index: number;
  command: string;
  result: ProcessResult;
  logPath: string;
}

const INSTALL_PROCESS_LIMIT = 4096;

/**
 * Copy the host tree into a container of the base image, run each install command in a container of the previous
 * step's image (network: the host's, as installs fetch), commit each step; the last is tagged `plan.tag`.
 * Returns the failed install, if one failed (nothing is tagged then).
 */
export async function buildGymImage(client: Docker, plan: GymImagePlan, hooks: GymImageHooks = {}): Promise<FailedInstall | undefined> {
  const [repository, tag] = splitTag(plan.tag);
  const files = await listTree(plan.hostTree);
  const steps: { command: string; argv: string[]; user?: string; index?: number }[] = [
    // The copy step runs as root: it makes the workdir the gym user's when the spec names one.
    { command: 'copy', argv: ['/bin/sh', '-c', plan.user ? 'chown -R "$1" "$2"' : 'true', 'sh', plan.user ?? '', plan.workdir], user: '0' },
    ...plan.install.map((command, index) => ({ command, argv: ['bash', '-c', command], index, ...(plan.user ? { user: plan.user } : {}) })),
  ];
  let image = plan.baseImage;
  for (const [position, step] of steps.entries()) {
    const isLast = position === steps.length - 1;
    if (step.index !== undefined) hooks.onInstall?.(step.index + 1, plan.install.length, step.command);
    const logPath = step.index === undefined ? path.join(plan.logDirectory, 'image-copy.log') : path.join(plan.logDirectory, `install-${step.index + 1}.log`);
    let committed: string | undefined;
    const result = await runContainer(client, {
      image,
      argv: step.argv,
      workdir: plan.workdir,
      env: plan.env,
      ...(step.user ? { user: step.user } : {}),
      timeoutMs: plan.timeoutMs,
      memoryBytes: plan.memoryBytes,
      processLimit: INSTALL_PROCESS_LIMIT,
      ...(plan.readOnlyMounts ? { readOnlyMounts: plan.readOnlyMounts } : {}),
      network: 'host',
      uploads: position === 0 ? [{ directory: '/', archive: () => packFiles(plan.hostTree, files, plan.workdir.replace(/^\/+/, '')) }] : [],
      deletions: position === 0 ? (plan.deletions ?? []) : [],
      collect: [],
      logPath,
      beforeRemove: async (container, finished) => {
        if (finished.exitCode !== 0) return;
        const answer = (await container.commit(isLast ? { repo: repository, tag, comment: `swe-mirror: ${step.command}` } : { comment: `swe-mirror: ${step.command}` })) as { Id: string };
        committed = answer.Id;
      },
    });
    if (result.exitCode !== 0 || committed === undefined) return { index: step.index === undefined ? 0 : step.index + 1, command: step.command, result, logPath };
    if (step.index !== undefined) hooks.onInstallDone?.(step.index + 1, result);
    image = committed;
  }
  return undefined;
}

function splitTag(name: string): [string, string] {
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? [name.slice(0, colon), name.slice(colon + 1)] : [name, 'latest'];
}

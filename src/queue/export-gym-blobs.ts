import path from 'node:path';
import type { Redis } from 'ioredis';
import { loadGymSpec } from '../config/load-gym-spec.js';
import { SweMirrorError } from '../core/errors.js';
import { putBlob } from './blob-store.js';

/** sha256 of an export's `gyms/<gym>.yaml` and `bundles/<gym>.bundle`, both held in Redis (`putBlob`). */
export interface ExportGymBlobs {
  specBlob: string;
  bundleBlob: string;
}

/** A job's gym from an export: its name, its files in Redis, and the commit the task recorded for it. */
export type ExportedJobGym = ExportGymBlobs & { name: string; fallbackCommit?: string };

/**
 * Put an export's gym files (spec and bundle) in Redis, once per export and gym, so a job carries them
 * by content hash and a worker needs nothing from the coordinator's disk. Shared by the coordinators of
 * evaluation and rollout jobs; a worker rebuilds the export with `exportedGymFor` (evaluate-processor.ts).
 */
export function createExportGymPublisher(redis: Redis, prefix: string): (tasksFile: string, task: { gym: string; gymCommit?: string | undefined }) => Promise<ExportedJobGym> {
  const publish = createBlobPublisher(redis, prefix);
  return async (tasksFile, task) => ({
    name: task.gym,
    ...(await publish(path.dirname(path.resolve(tasksFile)), task.gym)),
    ...(task.gymCommit ? { fallbackCommit: task.gymCommit } : {}),
  });
}

function createBlobPublisher(redis: Redis, prefix: string): (exportDirectory: string, gymName: string) => Promise<ExportGymBlobs> {
  const published = new Map<string, Promise<ExportGymBlobs>>();
  return (exportDirectory, gymName) => {
    const key = `${exportDirectory}\0${gymName}`;
    let found = published.get(key);
    if (!found) {
      found = (async () => {
        const specPath = path.join(exportDirectory, 'gyms', `${gymName}.yaml`);
        const loaded = await loadGymSpec(specPath);
        const bundlePath = path.join(exportDirectory, 'bundles', `${gymName}.bundle`);
        if (loaded.isRemote || loaded.repoLocation !== bundlePath) {
          throw new SweMirrorError({
            code: 'QUEUE_EXPORT_LAYOUT',
            kind: 'user',
            message: `${specPath} names ${loaded.spec.repo} as its repo; a queue job carries the export's own bundle (bundles/${gymName}.bundle).`,
            hint: `Set \`repo: ../bundles/${gymName}.bundle\` in ${specPath} (as \`swe-mirror export\` writes it), or run without --queue.`,
          });
        }
        return { specBlob: await putBlob(redis, prefix, specPath), bundleBlob: await putBlob(redis, prefix, bundlePath) };
      })();
      published.set(key, found);
    }
    return found;
  };
}

import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadGymSpec } from '../config/load-gym-spec.js';
import { SweMirrorError, isSweMirrorError } from '../core/errors.js';
import { runGit } from '../core/git.js';
import type { Runtime } from '../core/process.js';
import { prepareGym, type GymPrepareEvent } from '../gym/prepare.js';
import type { PreparedGym } from '../gym/types.js';

export interface PrepareExportedGymInput {
  /** The folder holding tasks.jsonl, gyms/ and bundles/. */
  exportDirectory: string;
  gymName: string;
  /** Where the bundle is cloned and the temporary spec written. */
  workDirectory: string;
  dataDirectory: string;
  runtime: Runtime;
  /** Used when the exported spec has no commit: the records' gym_commit. */
  fallbackCommit: string | undefined;
  baselineRuns?: number;
  onEvent?: (event: GymPrepareEvent) => void;
}

/** An exported gym, prepared from its bundle alone. */
export interface ExportedGym {
  gym: PreparedGym;
  /** The clone of the bundle that the gym was prepared from (it holds every task tag). */
  clone: string;
  specPath: string;
  bundlePath: string;
}

/** Hash of a file's bytes, streamed. */
export async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Whether `commit` names a commit object in `repository`. */
export async function hasCommit(repository: string, commit: string): Promise<boolean> {
  try {
    await runGit(repository, ['cat-file', '-e', `${commit}^{commit}`]);
    return true;
  } catch {
    return false;
  }
}

async function cloneBundle(bundlePath: string, clone: string, specPath: string): Promise<void> {
  if (existsSync(path.join(clone, '.git'))) return;
  await rm(clone, { recursive: true, force: true });
  await mkdir(path.dirname(clone), { recursive: true });
  try {
    await runGit(path.dirname(clone), ['clone', '-q', '--no-checkout', bundlePath, clone]);
    // A clone brings the tags along; fetching them again makes sure every task commit is here.
    await runGit(clone, ['fetch', '-q', '--tags', bundlePath]);
  } catch (cause) {
    await rm(clone, { recursive: true, force: true });
    throw new SweMirrorError({
      code: 'EXPORT_BUNDLE_UNREADABLE',
      kind: 'user',
      message: `Cannot clone the bundle ${bundlePath} (named by ${specPath}): ${isSweMirrorError(cause) ? cause.message : String(cause)}`,
      hint: 'The bundle may be truncated or not a git bundle; export again with `swe-mirror export`.',
      cause,
    });
  }
}

/**
 * Prepare an exported gym from scratch: clone `<export>/bundles/<gym>.bundle` (tags included), write a copy of
 * `<export>/gyms/<gym>.yaml` whose repo is that clone, and prepare it (fresh copy, real install, real baseline).
 */
export async function prepareExportedGym(input: PrepareExportedGymInput): Promise<ExportedGym> {
  const specPath = path.join(input.exportDirectory, 'gyms', `${input.gymName}.yaml`);
  if (!existsSync(specPath)) {
    throw new SweMirrorError({
      code: 'EXPORT_GYM_SPEC_MISSING',
      kind: 'user',
      message: `The export has no gym spec for gym ${input.gymName}: ${specPath} does not exist.`,
      hint: 'Keep tasks.jsonl beside the gyms/ and bundles/ folders that `swe-mirror export` wrote, or export again.',
    });
  }
  const missingBundle = (bundlePath: string, named: string): SweMirrorError =>
    new SweMirrorError({
      code: 'EXPORT_BUNDLE_MISSING',
      kind: 'user',
      message: `The bundle of gym ${input.gymName} is missing: ${specPath} names ${named}, and ${bundlePath} does not exist.`,
      hint: 'Copy the bundles/ folder along with tasks.jsonl and gyms/, or export again with `swe-mirror export`.',
    });
  const exported = await loadGymSpec(specPath).catch((error: unknown) => {
    // The spec loader refuses a repo that does not exist; for an export that means the bundle was left behind.
    if (isSweMirrorError(error) && error.code === 'GYM_REPO_NOT_FOUND') throw missingBundle(path.join(input.exportDirectory, 'bundles', `${input.gymName}.bundle`), `bundles/${input.gymName}.bundle`);
    throw error;
  });
  const bundlePath = exported.repoLocation;
  if (exported.isRemote || !existsSync(bundlePath)) {
    throw new SweMirrorError({
      code: 'EXPORT_BUNDLE_MISSING',
      kind: 'user',
      message: `The bundle of gym ${input.gymName} is missing: ${specPath} names ${exported.spec.repo}, and ${bundlePath} does not exist.`,
      hint: 'Copy the bundles/ folder along with tasks.jsonl and gyms/, or export again with `swe-mirror export`.',
    });
  }
  const commit = exported.spec.commit ?? input.fallbackCommit;
  if (!commit) {
    throw new SweMirrorError({
      code: 'EXPORT_GYM_COMMIT_MISSING',
      kind: 'user',
      message: `Neither ${specPath} nor the task records give the commit of gym ${input.gymName}.`,
      hint: 'Set `commit:` in the exported gym spec to the gym commit (the records\' gym_commit), or export again.',
    });
  }

  // Keyed by the bundle's content, so a kept data directory reuses both the clone and the prepared gym.
  const clone = path.join(input.workDirectory, `${input.gymName}-${(await hashFile(bundlePath)).slice(0, 16)}`, 'repo');
  await cloneBundle(bundlePath, clone, specPath);
  if (!(await hasCommit(clone, commit))) {
    throw new SweMirrorError({
      code: 'EXPORT_BUNDLE_LACKS_COMMIT',
      kind: 'user',
      message: `The bundle ${bundlePath} does not hold commit ${commit}, the gym commit named by ${specPath}.`,
      hint: 'The spec and the bundle come from different exports; export again so they match.',
    });
  }

  const temporarySpec = path.join(path.dirname(clone), `${input.gymName}.yaml`);
  const header = `# ${input.gymName} re-prepared from ${bundlePath} by swe-mirror validate-export.\n`;
  await writeFile(temporarySpec, header + stringify({ ...exported.spec, repo: clone, commit }));
  const loaded = await loadGymSpec(temporarySpec);
  const gym = await prepareGym(loaded, {
    dataDirectory: input.dataDirectory,
    runtime: input.runtime,
    ...(input.baselineRuns === undefined ? {} : { baselineRuns: input.baselineRuns }),
    ...(input.onEvent ? { onEvent: input.onEvent } : {}),
  });
  return { gym, clone, specPath, bundlePath };
}

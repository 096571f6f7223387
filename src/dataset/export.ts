import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import type { Task } from '../core/records.js';
import type { PreparedGym } from '../gym/types.js';
import { toJsonLines, writeFileAtomically } from './atomic-write.js';
import { renderDatasetCard } from './dataset-card.js';
import { bundleSubmodules } from '../gym/submodules.js';
import { materializeGymBundle } from './materialize.js';
import { findStaleTasks, staleTasksError } from './verified-commit.js';
import { encodeSweBenchParquet, sweBenchColumns, type SweBenchRecord } from './parquet.js';
import { exportedImageName, toExportedGymSpec } from './exported-gym-spec.js';
import { toMultiSweBenchRecord, toSweBenchRecord, type ExportGym } from './records.js';
import { computeLanguageStats, renderStats } from './stats.js';

export interface ExportOptions {
  tasks: readonly Task[];
  gyms: ReadonlyMap<string, PreparedGym>;
  outDirectory: string;
  /** FAIL_TO_PASS / PASS_TO_PASS as JSON strings (the form used on dataset hubs) instead of lists. */
  listsAsJsonStrings?: boolean;
  /** Also write tasks.parquet (fixed column types) and a dataset card README.md that Hugging Face `datasets` loads. */
  parquet?: boolean;
}

export interface ExportResult {
  sweBenchFile: string;
  multiSweBenchFiles: string[];
  bundles: string[];
  /** Gym specs pointing at the bundles, so the export can be re-verified from scratch. */
  gymSpecs: string[];
  taskCount: number;
  /** The Python modules that register swe-mirror's parsers with swebench and its repositories with Multi-SWE-bench. */
  graders: string[];
  /** tasks.parquet and its dataset card, when asked for. */
  parquetFile?: string;
  datasetCard?: string;
}

/** `owner/name` of a gym: from its remote URL, else `swe-mirror/<gym name>`. */
export function gymRepositoryName(gym: PreparedGym): string {
  if (gym.loaded.isRemote) {
    const match = /[:/]([^/:]+)\/([^/]+?)(?:\.git)?\/?$/.exec(gym.spec.repo);
    if (match) return `${match[1]}/${match[2]}`;
  }
  return `swe-mirror/${gym.spec.name}`;
}

function toExportGym(gym: PreparedGym): ExportGym {
  const image = exportedImageName(gym);
  return { name: gym.spec.name, spec: gym.spec, repo: gymRepositoryName(gym), commit: gym.commit, ...(image ? { image } : {}) };
}

/**
 * Write every export: the SWE-bench JSONL, Multi-SWE-bench JSONL per repo in per-language folders,
 * and one materialized git bundle per gym whose commit ids are the exported `base_commit`s.
 * Every file is written atomically: a failure leaves no truncated file behind.
 */
export async function exportDataset(options: ExportOptions): Promise<ExportResult> {
  // A task is written only on the commit it was verified on: never rebased onto a gym commit that moved since.
  const stale = findStaleTasks(options.tasks, options.gyms);
  if (stale.length > 0) throw staleTasksError(stale);
  const byGym = new Map<string, Task[]>();
  for (const task of options.tasks) byGym.set(task.gym, [...(byGym.get(task.gym) ?? []), task]);

  const baseCommits = new Map<string, string>();
  const bundles: string[] = [];
  const gymSpecs: string[] = [];
  for (const [gymName, tasks] of byGym) {
    const gym = options.gyms.get(gymName);
    if (!gym) throw new Error(`internal: no prepared gym ${gymName} for export`);
    const bundlePath = path.join(options.outDirectory, 'bundles', `${gymName}.bundle`);
    const partial = `${bundlePath}.partial`;
    await mkdir(path.dirname(bundlePath), { recursive: true });
    try {
      const commits = await materializeGymBundle({ gymRepository: gym.workdir, gymCommit: gym.commit, tasks, bundlePath: partial });
      await rename(partial, bundlePath);
      for (const [instanceId, commit] of commits) baseCommits.set(instanceId, commit);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    bundles.push(bundlePath);
    const specFile = path.join(options.outDirectory, 'gyms', `${gymName}.yaml`);
    // Submodules travel as bundles of their own beside the gym's, named in the exported spec, so a consumer prepares offline.
    const submoduleBundles = await bundleSubmodules(gym.workdir, path.dirname(bundlePath), gymName);
    bundles.push(...Object.values(submoduleBundles));
    const submoduleUrls = Object.fromEntries(Object.entries(submoduleBundles).map(([entry, file]) => [entry, path.relative(path.dirname(specFile), file)]));
    const exportedSpec = {
      ...toExportedGymSpec(gym),
      repo: path.relative(path.dirname(specFile), bundlePath),
      commit: gym.commit,
      ...(Object.keys(submoduleUrls).length > 0 ? { submodules: { urls: submoduleUrls } } : {}),
    };
    await writeFileAtomically(specFile, [`# ${gymName} as exported: its repository is the bundle beside this export.\n`, stringify(exportedSpec)]);
    gymSpecs.push(specFile);
  }

  const sweBenchRecords = options.tasks.map((task) => {
    const gym = toExportGym(options.gyms.get(task.gym) as PreparedGym);
    return toSweBenchRecord(task, gym, baseCommits.get(task.instanceId) as string, { listsAsJsonStrings: options.listsAsJsonStrings ?? false });
  });
  const sweBenchFile = path.join(options.outDirectory, 'tasks.jsonl');
  await writeFileAtomically(sweBenchFile, toJsonLines(sweBenchRecords));

  const multiSweBenchFiles: string[] = [];
  for (const [gymName, tasks] of byGym) {
    const gym = toExportGym(options.gyms.get(gymName) as PreparedGym);
    const [org, repo] = gym.repo.split('/', 2) as [string, string];
    const file = path.join(options.outDirectory, 'multi-swe-bench', gym.spec.language, `${org}__${repo}_dataset.jsonl`);
    const records = tasks.map((task, index) => toMultiSweBenchRecord(task, gym, index + 1, baseCommits.get(task.instanceId) as string));
    await writeFileAtomically(file, toJsonLines(records));
    multiSweBenchFiles.push(file);
  }
  const graders = await copyGraderModules(options.outDirectory);
  const parquet = options.parquet ? await writeParquetWithCard(options, sweBenchRecords) : {};
  return { sweBenchFile, multiSweBenchFiles, bundles, gymSpecs, graders, taskCount: options.tasks.length, ...parquet };
}

/** tasks.parquet beside tasks.jsonl, and the dataset card that names it as the `test` split. */
async function writeParquetWithCard(options: ExportOptions, records: readonly SweBenchRecord[]): Promise<{ parquetFile: string; datasetCard: string }> {
  const listsAsJsonStrings = options.listsAsJsonStrings ?? false;
  const parquetFile = path.join(options.outDirectory, 'tasks.parquet');
  await writeFileAtomically(parquetFile, [encodeSweBenchParquet(records, { listsAsJsonStrings })]);
  const languages = new Map<string, number>();
  for (const task of options.tasks) languages.set(task.language, (languages.get(task.language) ?? 0) + 1);
  const datasetCard = path.join(options.outDirectory, 'README.md');
  const card = renderDatasetCard({
    columns: sweBenchColumns({ listsAsJsonStrings }),
    dataFile: path.basename(parquetFile),
    taskCount: records.length,
    languages,
    statsText: renderStats(computeLanguageStats(options.tasks)),
  });
  await writeFileAtomically(datasetCard, [card]);
  return { parquetFile, datasetCard };
}

/** Python modules shipped in the package (python/), copied beside the records so graders need nothing else. */
const GRADER_MODULES = ['swe_mirror_swebench.py', 'swe_mirror_multi_swe_bench.py'];

async function copyGraderModules(outDirectory: string): Promise<string[]> {
  const written: string[] = [];
  for (const module of GRADER_MODULES) {
    const target = path.join(outDirectory, module);
    await writeFileAtomically(target, [await readFile(new URL(`../../python/${module}`, import.meta.url), 'utf8')]);
    written.push(target);
  }
  return written;
}

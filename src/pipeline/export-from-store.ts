import path from 'node:path';
import { SweMirrorError } from '../core/errors.js';
import { toJsonLines, writeFileAtomically } from '../dataset/atomic-write.js';
import { exportDataset, type ExportResult } from '../dataset/export.js';
import { computeLanguageStats, renderStats, type LanguageStats } from '../dataset/stats.js';
import { readYieldTable, renderYieldTable, type YieldRow } from '../dataset/yield-table.js';
import type { PreparedGym } from '../gym/types.js';
import { keepConsistentTasks, type ConsistencyLevel } from '../judge/consistency.js';
import { readFunnel, type Funnel } from '../store/funnel.js';
import type { Store } from '../store/store.js';
import { findStaleTasks, reverifyStaleTasks, staleTasksError, type ReverifyResult, type StaleTask, type StaleTaskPolicy } from './stale-tasks.js';

/** Prepared gyms as the store recorded them (name → PreparedGym). */
export function readPreparedGyms(store: Store): Map<string, PreparedGym> {
  const rows = store.database.prepare("SELECT name, record_json FROM gyms WHERE status = 'prepared'").all() as Array<{
    name: string;
    record_json: string | null;
  }>;
  return new Map(rows.filter((row) => row.record_json).map((row) => [row.name, JSON.parse(row.record_json as string) as PreparedGym]));
}

export interface StatsReport {
  languages: LanguageStats[];
  funnel: Funnel;
  /** The mirroring yield per language with its losses by cause (the paper's Table 6). */
  yield: YieldRow[];
  text: string;
}

/** The statistics table and funnel for the tasks in a store. */
export function readStats(store: Store): StatsReport {
  const tasks = store.listTasks();
  const languages = computeLanguageStats(tasks);
  const funnel = readFunnel(store);
  const yieldRows = readYieldTable(store);
  const yieldText = yieldRows.length > 0 ? `\n\n${renderYieldTable(yieldRows)}` : '';
  return { languages, funnel, yield: yieldRows, text: `${renderStats(languages, funnel)}${yieldText}` };
}

/**
 * Export every non-duplicate task of a store, plus stats.txt and stats.json, into `outDirectory`. A task is
 * exported only on the gym commit it was verified on: tasks of a gym whose prepared commit changed since
 * are refused, left out or re-verified, as `stale` says (default refuse).
 */
export async function exportFromStore(
  store: Store,
  outDirectory: string,
  options: { listsAsJsonStrings?: boolean; parquet?: boolean; minConsistency?: ConsistencyLevel; stale?: StaleTaskPolicy } = {},
): Promise<ExportResult & { stats: StatsReport; statsFiles: string[]; staleLeftOut: StaleTask[]; reverified?: ReverifyResult }> {
  const stored = store.listTasks();
  const gyms = readPreparedGyms(store);
  const missing = [...new Set(stored.map((task) => task.gym))].filter((gym) => !gyms.has(gym));
  if (missing.length > 0) {
    throw new SweMirrorError({
      code: 'EXPORT_GYM_MISSING',
      kind: 'user',
      message: `The store has tasks for gyms it has no prepared copy of: ${missing.join(', ')}.`,
      hint: 'Run `swe-mirror run` (or `swe-mirror gym prepare`) with the same config so the gyms are prepared, then export again.',
    });
  }
  const stale = findStaleTasks(stored, gyms);
  const policy = options.stale ?? 'refuse';
  if (stale.length > 0 && policy === 'refuse') throw staleTasksError(stale);
  const staleIds = new Set(stale.map((task) => task.instanceId));
  let tasks = stored.filter((task) => !staleIds.has(task.instanceId));
  let reverified: ReverifyResult | undefined;
  if (stale.length > 0 && typeof policy === 'object') {
    reverified = await reverifyStaleTasks({ store, tasks: stored.filter((task) => staleIds.has(task.instanceId)), gyms, runtime: policy.reverify.runtime, ...(policy.reverify.verify ? { verify: policy.reverify.verify } : {}) });
    const keptIds = new Set(reverified.kept.map((task) => task.instanceId));
    // Keep the store's order (collection order), with the re-verified records.
    tasks = store.listTasks().filter((task) => !staleIds.has(task.instanceId) || keptIds.has(task.instanceId));
  }
  // mirror.minConsistency: tasks the judge graded below it (or could not grade) stay in the store, out of the export.
  const result = await exportDataset({ tasks: keepConsistentTasks(tasks, options.minConsistency), gyms, outDirectory, listsAsJsonStrings: options.listsAsJsonStrings ?? false, parquet: options.parquet ?? false });
  const stats = readStats(store);
  const statsText = path.join(outDirectory, 'stats.txt');
  const statsJson = path.join(outDirectory, 'stats.json');
  await writeFileAtomically(statsText, [`${stats.text}\n`]);
  await writeFileAtomically(statsJson, toJsonLines([{ languages: stats.languages, funnel: stats.funnel, yield: stats.yield }]));
  return { ...result, stats, statsFiles: [statsText, statsJson], staleLeftOut: policy === 'leave-out' ? stale : [], ...(reverified ? { reverified } : {}) };
}

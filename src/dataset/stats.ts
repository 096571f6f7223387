import type { Task } from '../core/records.js';
import type { Funnel } from '../store/funnel.js';
import { measurePatch } from './fix-content.js';

export interface LanguageStats {
  language: string;
  repos: number;
  instances: number;
  meanFixHunks: number;
  meanFixLines: number;
  meanPassToPass: number;
  meanFailToPass: number;
}

function mean(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Dataset statistics per language, as in the paper's table (plus a Total row). */
export function computeLanguageStats(tasks: readonly Task[]): LanguageStats[] {
  const groups = new Map<string, Task[]>();
  for (const task of tasks) groups.set(task.language, [...(groups.get(task.language) ?? []), task]);
  const summarize = (language: string, group: readonly Task[]): LanguageStats => {
    const measured = group.map((task) => measurePatch(task.fixPatch));
    return {
      language,
      repos: new Set(group.map((task) => task.repo)).size,
      instances: group.length,
      meanFixHunks: round(mean(measured.map((item) => item.hunks))),
      meanFixLines: round(mean(measured.map((item) => item.lines))),
      meanPassToPass: round(mean(group.map((task) => task.PASS_TO_PASS.length))),
      meanFailToPass: round(mean(group.map((task) => task.FAIL_TO_PASS.length))),
    };
  };
  const rows = [...groups.keys()].sort().map((language) => summarize(language, groups.get(language) ?? []));
  if (rows.length > 1) rows.push(summarize('Total', tasks));
  return rows;
}

/** Render rows as a fixed-width text table. */
export function renderTable(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((row) => row.map(String))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]): string => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  return [line(cells[0] ?? []), widths.map((width) => '-'.repeat(width)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** The statistics table and yield funnel as text. */
export function renderStats(stats: readonly LanguageStats[], funnel?: Funnel): string {
  const table = renderTable(
    ['Language', 'Repos', 'Instances', 'Fix hunks', 'Fix lines', 'Mean P2P', 'Mean F2P'],
    stats.map((row) => [row.language, row.repos, row.instances, row.meanFixHunks, row.meanFixLines, row.meanPassToPass, row.meanFailToPass]),
  );
  if (!funnel) return table;
  return `${table}\n\n${renderFunnel(funnel)}`;
}

/** The yield funnel: candidates per final stage and the top reasons for loss. */
export function renderFunnel(funnel: Funnel): string {
  const order = [
    'dropped-by-rules',
    'pending-llm-filter',
    'rejected-by-llm',
    'pending-mirror',
    'mirror-failed',
    'rejected-by-verifier',
    'verified',
    'duplicate',
  ];
  const lines = [`Yield funnel: ${funnel.candidates} candidates → ${funnel.tasks} tasks (${funnel.duplicates} duplicates removed)`];
  for (const stage of order) {
    const count = funnel.totals[stage] ?? 0;
    if (count > 0) lines.push(`  ${stage.padEnd(22)} ${count}`);
  }
  const perCandidate = funnel.tasksPerCandidate;
  if (perCandidate && perCandidate.candidates > 0) {
    lines.push(`Tasks per candidate with tasks: ${(perCandidate.tasks / perCandidate.candidates).toFixed(2)} (${perCandidate.tasks} tasks from ${perCandidate.candidates} candidates, at most ${perCandidate.mostFromOne} from one)`);
  }
  if (funnel.topLosses.length > 0) {
    lines.push('Top reasons for loss:');
    for (const loss of funnel.topLosses) {
      lines.push(`  ${String(loss.count).padStart(5)}  ${loss.stage} / ${loss.rule ?? '?'}${loss.example ? `: ${loss.example.slice(0, 100)}` : ''}`);
    }
  }
  const model = funnel.model;
  lines.push(
    `Model: ${model.calls} calls (${model.cachedCalls} answered from the cache or a recording), ${model.inputTokens} in / ${model.outputTokens} out tokens, $${model.costUsd.toFixed(4)}`,
  );
  return lines.join('\n');
}

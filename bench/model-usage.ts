/**
 * Model usage per verified task, per language: the figures a user budgets with (issue 10). On the offline demo
 * (examples/demo/swe-mirror.yaml copied into a temp folder with its own `output:`, then `swe-mirror run`; a few
 * minutes) or on any store given with --store, it prints per language: verified tasks, model calls, tokens (input +
 * output) and retries (tries after the first of a step, each carrying its failure as feedback) per verified task.
 * Every call a language's candidates made counts, the lost candidates' included: that is what a verified task costs.
 *
 *   node --import tsx bench/model-usage.ts [--store <state.sqlite>]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderTable } from '../src/dataset/stats.js';
import { Store } from '../src/store/store.js';
import { runDemo } from './support/demo.js';
import { recordFigure } from './support/figures.js';


interface LanguageUsage {
  language: string;
  tasks: number;
  calls: number;
  tokens: number;
  retries: number;
}

function runDemoStore(scratch: string): string {
  return path.join(runDemo(scratch, { purpose: 'running the demo', dataFolder: 'data', extraArguments: ['--no-export'] }), 'state.sqlite');
}

/** Per language: non-duplicate tasks, and every model call, token and retry of that language's candidates. */
function readUsage(storeFile: string): LanguageUsage[] {
  const store = Store.open(storeFile);
  try {
    const database = store.database;
    const usage = new Map<string, LanguageUsage>();
    const entry = (language: string) => {
      let found = usage.get(language);
      if (!found) usage.set(language, (found = { language, tasks: 0, calls: 0, tokens: 0, retries: 0 }));
      return found;
    };
    for (const row of database.prepare('SELECT language, COUNT(*) AS count FROM tasks WHERE duplicate_of IS NULL GROUP BY language').all() as Array<{ language: string; count: number }>) entry(row.language).tasks = row.count;
    const calls = database
      .prepare('SELECT g.language AS language, COUNT(*) AS calls, SUM(m.input_tokens + m.output_tokens) AS tokens FROM model_calls m JOIN candidates c ON c.id = m.candidate_id JOIN gyms g ON g.name = c.gym GROUP BY g.language')
      .all() as Array<{ language: string; calls: number; tokens: number }>;
    for (const row of calls) Object.assign(entry(row.language), { calls: row.calls, tokens: row.tokens });
    const attempts = database.prepare('SELECT g.language AS language, a.record_json AS record FROM attempts a JOIN candidates c ON c.id = a.candidate_id JOIN gyms g ON g.name = c.gym').all() as Array<{ language: string; record: string }>;
    for (const row of attempts) {
      const record = JSON.parse(row.record) as { steps?: Array<{ outcome: string }> };
      entry(row.language).retries += (record.steps ?? []).filter((step) => step.outcome === 'retry').length;
    }
    const rows = [...usage.values()].sort((a, b) => a.language.localeCompare(b.language));
    if (rows.length > 1) rows.push(rows.reduce((total, row) => ({ language: 'Total', tasks: total.tasks + row.tasks, calls: total.calls + row.calls, tokens: total.tokens + row.tokens, retries: total.retries + row.retries }), { language: 'Total', tasks: 0, calls: 0, tokens: 0, retries: 0 }));
    return rows;
  } finally {
    store.close();
  }
}

const perTask = (value: number, tasks: number): string => (tasks === 0 ? 'n/a' : (value / tasks).toFixed(1));

function main(): void {
  const args = process.argv.slice(2);
  const storeArgument = args.includes('--store') ? args[args.indexOf('--store') + 1] : undefined;
  const scratch = storeArgument ? undefined : mkdtempSync(path.join(os.tmpdir(), 'swe-mirror-bench-usage-'));
  try {
    const storeFile = storeArgument ? path.resolve(storeArgument) : runDemoStore(scratch as string);
    const rows = readUsage(storeFile);
    process.stdout.write(`model usage per verified task (${storeFile}; load average ${os.loadavg().map((load) => load.toFixed(2)).join(' ')})\n`);
    process.stdout.write(
      `${renderTable(
        ['Language', 'Tasks', 'Calls', 'Calls/task', 'Tokens', 'Tokens/task', 'Retries', 'Retries/task'],
        rows.map((row) => [row.language, row.tasks, row.calls, perTask(row.calls, row.tasks), row.tokens, perTask(row.tokens, row.tasks), row.retries, perTask(row.retries, row.tasks)]),
      )}\n`,
    );
    const total = rows.find((row) => row.language === 'Total') ?? rows[0];
    if (total) {
      recordFigure(import.meta.filename, { measure: 'model calls per verified task', value: perTask(total.calls, total.tasks) });
      recordFigure(import.meta.filename, { measure: 'tokens per verified task', value: perTask(total.tokens, total.tasks) });
      recordFigure(import.meta.filename, { measure: 'retries per verified task', value: perTask(total.retries, total.tasks) });
    }
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

main();

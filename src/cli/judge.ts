import type { Command } from 'commander';
import path from 'node:path';
import { CONSISTENCY_LEVELS } from '../judge/consistency.js';
import { readJudgements } from '../judge/judgement-store.js';
import { compareJudgementsWithLabels, formatJudgeComparison } from '../judge/labels.js';
import { readAuditMarks } from '../viewer/audit.js';
import { addStoreOptions, openExistingStore, type StoreOptions } from './store-option.js';

export function register(program: Command): void {
  addStoreOptions(
    program
      .command('judge')
      .description('The faithfulness judge\'s grades (mirror.judge: true in the config grades tasks during `run`): counts per grade, and with --labels the confusion matrix, precision and recall against hand labels.'),
  )
    .option('--labels <file>', 'hand labels: the viewer\'s audit file (JSONL of {"instance_id", "label": "high" | "moderate" | "inconsistent"}); default <output>/audit-labels.jsonl when it exists')
    .option('--json', 'print JSON')
    .action(async (options: StoreOptions & { labels?: string; json?: boolean }) => {
      const { store, outputDirectory } = await openExistingStore(options);
      try {
        const judgements = readJudgements(store);
        const counts = Object.fromEntries([...CONSISTENCY_LEVELS, 'unreadable'].map((level) => [level, 0])) as Record<string, number>;
        for (const judgement of judgements.values()) counts[judgement.consistency] = (counts[judgement.consistency] ?? 0) + 1;
        const labelsFile = options.labels ?? (outputDirectory ? path.join(outputDirectory, 'audit-labels.jsonl') : undefined);
        const labels = labelsFile ? await readAuditMarks(labelsFile) : new Map();
        const comparison = labels.size > 0 ? compareJudgementsWithLabels(judgements, labels) : undefined;
        if (options.json) {
          process.stdout.write(`${JSON.stringify({ judged: judgements.size, counts, ...(comparison ? { labels: labels.size, comparison } : {}) }, null, 2)}\n`);
          return;
        }
        const share = (count: number) => (judgements.size === 0 ? '' : ` (${((count / judgements.size) * 100).toFixed(1)}%)`);
        process.stdout.write(`${judgements.size} task(s) judged: ${Object.entries(counts).filter(([level, count]) => level !== 'unreadable' || count > 0).map(([level, count]) => `${level} ${count}${share(count)}`).join(', ')}\n`);
        if (judgements.size === 0) process.stdout.write('No judgements yet: set mirror.judge: true in the config and run `swe-mirror run` again (finished work is kept; only the judge runs).\n');
        if (comparison) {
          process.stdout.write(`\nJudge vs ${labels.size} hand label(s) from ${labelsFile}:\n${formatJudgeComparison(comparison).join('\n')}\n`);
          for (const disagreement of comparison.disagreements.slice(0, 10)) {
            process.stdout.write(`  ${disagreement.instanceId}: judge ${disagreement.judge}, label ${disagreement.label} (${disagreement.reason.slice(0, 160)})\n`);
          }
        } else if (options.labels) {
          process.stdout.write(`\n${options.labels} holds no labels.\n`);
        }
      } finally {
        store.close();
      }
    });
}

import type { Command } from 'commander';
import { readTrajectories, type SuccessDefinition } from '../agent/trajectory.js';
import { SweMirrorError } from '../core/errors.js';
import { toJsonLines, writeFileAtomically } from '../dataset/atomic-write.js';
import { filterTrajectories } from '../train/sft-export.js';

/** `swe-mirror trajectories filter --input trajectories.jsonl --output kept.jsonl [--success paper|resolved]`. */
export function register(program: Command): void {
  const trajectories = program.command('trajectories').description('Work with the trajectories written by `swe-mirror rollout`.');
  trajectories
    .command('filter')
    .description('Keep the successful trajectories: ended with finish, and (paper) the passing tests include every test the reference fix fixes, or (resolved) SWE-bench resolved.')
    .requiredOption('--input <file>', 'trajectories JSONL')
    .requiredOption('--output <file>', 'where the kept trajectories go')
    .option('--success <definition>', 'paper | resolved', 'paper')
    .action(async (options: { input: string; output: string; success: string }) => {
      if (options.success !== 'paper' && options.success !== 'resolved') {
        throw new SweMirrorError({ code: 'CLI_INVALID_OPTION', kind: 'user', message: `--success must be paper or resolved, got "${options.success}".`, hint: 'paper: passing ⊇ the reference fix\'s FAIL_TO_PASS; resolved: SWE-bench resolved.' });
      }
      const records = await readTrajectories(options.input);
      const kept = filterTrajectories(records, options.success as SuccessDefinition);
      await writeFileAtomically(options.output, toJsonLines(kept));
      process.stdout.write(`kept ${kept.length} of ${records.length} trajectories (${options.success}) in ${options.output}\n`);
    });
}

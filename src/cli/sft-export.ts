import type { Command } from 'commander';
import { SweMirrorError } from '../core/errors.js';
import { exportSft } from '../train/sft-export.js';
import { SFT_FORMATS, type SftFormat } from '../train/sft-formats.js';
import { SFT_STRATEGIES, type SftStrategy } from '../train/sft-strategies.js';

function pick<T extends string>(flag: string, allowed: readonly T[], values: string[] | undefined): T[] | undefined {
  if (!values || values.includes('all')) return undefined;
  const wrong = values.filter((value) => !(allowed as readonly string[]).includes(value));
  if (wrong.length > 0) throw new SweMirrorError({ code: 'CLI_INVALID_OPTION', kind: 'user', message: `${flag} ${wrong.join(', ')}: not one of ${allowed.join(', ')}, all.`, hint: `For example: ${flag} ${allowed[0]}` });
  return values as T[];
}

/** `swe-mirror sft-export --trajectories t.jsonl --strategy mask --format openai`. */
export function register(program: Command): void {
  program
    .command('sft-export')
    .description('Write SFT data from trajectories: strategies mask (erroneous turns kept, no loss), prune (erroneous turns and their observations removed), response-only (every assistant turn trained), in trainer formats.')
    .requiredOption('--trajectories <file>', 'trajectories JSONL from `swe-mirror rollout`')
    .option('--output <directory>', 'writes <output>/<strategy>/<format>.jsonl', 'sft')
    .option('--strategy <names...>', `${SFT_STRATEGIES.join(' | ')} | all`, ['all'])
    .option('--format <names...>', `${SFT_FORMATS.join(' | ')} | all`, ['all'])
    .option('--success <definition>', 'which trajectories: paper | resolved | all', 'paper')
    .action(async (options: { trajectories: string; output: string; strategy: string[]; format: string[]; success: string }) => {
      if (!['paper', 'resolved', 'all'].includes(options.success)) {
        throw new SweMirrorError({ code: 'CLI_INVALID_OPTION', kind: 'user', message: `--success must be paper, resolved or all, got "${options.success}".`, hint: 'For example: --success paper' });
      }
      const strategies = pick<SftStrategy>('--strategy', SFT_STRATEGIES, options.strategy);
      const formats = pick<SftFormat>('--format', SFT_FORMATS, options.format);
      const result = await exportSft({
        trajectoriesFile: options.trajectories,
        outputDirectory: options.output,
        success: options.success as 'paper',
        ...(strategies ? { strategies } : {}),
        ...(formats ? { formats } : {}),
      });
      process.stdout.write(`kept ${result.kept} of ${result.trajectories} trajectories (${options.success})\n`);
      for (const file of result.files) process.stdout.write(`  ${file.file}: ${file.rows} rows, ${file.trainedTurns} trained / ${file.untrainedTurns} untrained assistant turns\n`);
    });
}

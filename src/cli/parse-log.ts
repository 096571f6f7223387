import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { REPORT_FORMATS, type ReportFormat } from '../core/tests.js';
import { parseEvalLog } from '../dataset/eval-log.js';

function parseFormat(value: string): ReportFormat {
  if ((REPORT_FORMATS as readonly string[]).includes(value)) return value as ReportFormat;
  throw new InvalidArgumentError(`expected one of ${REPORT_FORMATS.join(', ')}.`);
}

async function readStandardInput(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function register(program: Command): void {
  program
    .command('parse-log')
    .description("Read test results from a log of an exported eval_script (or raw runner output) with swe-mirror's parser; prints JSON.")
    .requiredOption('--format <format>', 'the report format: the record\'s report_format', parseFormat)
    .argument('[log]', 'the log file (default: standard input)')
    .action(async (log: string | undefined, options: { format: ReportFormat }) => {
      const text = log ? await readFile(log, 'utf8') : await readStandardInput();
      const report = parseEvalLog(text, options.format);
      process.stdout.write(`${JSON.stringify({ format: report.format, hasEvidence: report.hasEvidence, tests: report.tests, warnings: report.warnings })}\n`);
      if (!report.hasEvidence) process.exitCode = 1;
    });
}

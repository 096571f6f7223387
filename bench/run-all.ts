// Runs every benchmark in bench/ (or the ones named: `npm run bench -- reset parse-reports`), one after another so they
// do not compete for the cores, and prints one table of their headline figures. Each benchmark's own output goes to
// stderr as it runs; the table goes to stdout. Exit code 1 when a benchmark failed or missed a target.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FIGURES_FILE_VARIABLE, type BenchFigure } from './support/figures.js';

interface BenchRun {
  bench: string;
  exitCode: number | null;
  seconds: number;
  figures: BenchFigure[];
}

const BENCH_DIRECTORY = import.meta.dirname;

async function listBenchmarks(requested: readonly string[]): Promise<string[]> {
  const available = (await readdir(BENCH_DIRECTORY)).filter((file) => file.endsWith('.ts') && file !== 'run-all.ts').sort();
  if (requested.length === 0) return available;
  const unknown = requested.filter((name) => !available.includes(name.endsWith('.ts') ? name : `${name}.ts`));
  if (unknown.length > 0) throw new Error(`No benchmark named ${unknown.join(', ')}; available: ${available.map((file) => file.replace(/\.ts$/, '')).join(', ')}`);
  return requested.map((name) => (name.endsWith('.ts') ? name : `${name}.ts`));
}

async function runBenchmark(file: string, figuresFile: string): Promise<BenchRun> {
  process.stderr.write(`\n── ${file} ──\n`);
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(BENCH_DIRECTORY, file)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, [FIGURES_FILE_VARIABLE]: figuresFile },
  });
  child.stdout.pipe(process.stderr, { end: false });
  child.stderr.pipe(process.stderr, { end: false });
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const seconds = (performance.now() - started) / 1000;
  const text = await readFile(figuresFile, 'utf8').catch(() => '');
  const figures = text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as BenchFigure & { bench: string })
    .filter((figure) => figure.bench === file);
  return { bench: file, exitCode, seconds, figures };
}

function verdictOf(figure: BenchFigure): string {
  if (figure.isMet === undefined) return 'report';
  return figure.isMet ? 'ok' : 'MISSED';
}

/** The summary table: one row per figure, a benchmark that printed none (or crashed) gets a row saying so. */
export function renderBenchTable(runs: readonly BenchRun[]): string {
  const rows: string[][] = [['benchmark', 'measure', 'figure', 'target', 'verdict']];
  for (const run of runs) {
    const name = run.bench.replace(/\.ts$/, '');
    if (run.figures.length === 0 || (run.exitCode !== 0 && run.figures.every((figure) => figure.isMet !== false))) {
      rows.push([name, `(exit code ${run.exitCode ?? 'signal'} after ${run.seconds.toFixed(1)} s)`, '-', '-', 'FAILED']);
    }
    for (const figure of run.figures) rows.push([name, figure.measure, figure.value, figure.target ?? '-', verdictOf(figure)]);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const format = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  return [format(rows[0]!), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.slice(1).map(format)].join('\n');
}

async function main(): Promise<void> {
  const benchmarks = await listBenchmarks(process.argv.slice(2));
  const scratch = await mkdtemp(path.join(tmpdir(), 'swe-mirror-bench-'));
  const runs: BenchRun[] = [];
  try {
    for (const file of benchmarks) runs.push(await runBenchmark(file, path.join(scratch, 'figures.jsonl')));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const totalSeconds = runs.reduce((sum, run) => sum + run.seconds, 0);
  process.stdout.write(`\n${renderBenchTable(runs)}\n\n${runs.length} benchmark(s) in ${totalSeconds.toFixed(1)} s\n`);
  const isClean = runs.every((run) => run.exitCode === 0 && run.figures.length > 0 && run.figures.every((figure) => figure.isMet !== false));
  if (!isClean) process.exitCode = 1;
}

if (import.meta.filename === process.argv[1]) await main();

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';

const REPOSITORY = path.resolve(import.meta.dirname, '..', '..');
const DEMO_DIRECTORY = path.join(REPOSITORY, 'examples', 'demo');

/** The demo config with another output folder, every relative path in it made absolute (they are relative to examples/demo/). */
export function writeDemoConfig(scratch: string): string {
  const config = parse(readFileSync(path.join(DEMO_DIRECTORY, 'swe-mirror.yaml'), 'utf8')) as {
    output: string;
    gyms: string[];
    sources: Array<{ path?: string }>;
    model: { replayFile?: string };
  };
  const absolute = (value: string): string => path.resolve(DEMO_DIRECTORY, value);
  config.output = path.join(scratch, 'out');
  config.gyms = config.gyms.map(absolute);
  for (const source of config.sources) if (source.path) source.path = absolute(source.path);
  if (config.model.replayFile) config.model.replayFile = absolute(config.model.replayFile);
  const file = path.join(scratch, 'swe-mirror.yaml');
  writeFileSync(file, stringify(config));
  return file;
}

/**
 * Run the offline demo into `scratch` (output `scratch/out`, data `scratch/<dataFolder>`) with the working tree's CLI;
 * throws with the output tail when it fails. Returns the output folder.
 */
export function runDemo(scratch: string, options: { purpose: string; dataFolder: string; extraArguments?: string[] }): string {
  const config = writeDemoConfig(scratch);
  process.stdout.write(`${options.purpose}: swe-mirror run --config ${config}\n`);
  const cli = path.join(REPOSITORY, 'src', 'cli', 'main.ts');
  const run = spawnSync(process.execPath, ['--import', 'tsx', cli, 'run', '--config', config, '--progress', 'plain', ...(options.extraArguments ?? []), '--data-dir', path.join(scratch, options.dataFolder)], {
    cwd: REPOSITORY,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`the demo run failed (exit ${run.status}):\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}`);
  return path.join(scratch, 'out');
}

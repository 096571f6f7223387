import type { Command } from 'commander';
import path from 'node:path';
import { SweMirrorError } from '../core/errors.js';
import { IMPORT_DATASETS, type ImportDataset } from '../gym/dataset-import.js';
import { importGymFromDatasetRow } from '../gym/import-gym.js';

interface ImportCommandOptions {
  dataset?: string;
  instance?: string;
  registry?: string;
  namespace?: string;
  source?: string;
  baseState?: boolean;
  output?: string;
  force?: boolean;
}

function parseDataset(value: string | undefined): ImportDataset | undefined {
  if (value === undefined) return undefined;
  if (value in IMPORT_DATASETS) return value as ImportDataset;
  throw new SweMirrorError({ code: 'CLI_INVALID_OPTION', kind: 'user', message: `--dataset must be one of ${Object.keys(IMPORT_DATASETS).join(', ')}, got "${value}".`, hint: 'For example: --dataset swe-rebench' });
}

/** `swe-mirror gym import <rows>`: a docker gym spec from a SWE-bench-family row. */
export function registerGymImport(gym: Command): void {
  gym
    .command('import')
    .description("Write a docker gym spec from a row of SWE-bench, SWE-Gym, SWE-rebench or Multi-SWE-bench (the instance's image; gym commit = its fixed state).")
    .argument('<rows>', 'JSON or JSONL file of dataset rows')
    .option('--dataset <name>', `${Object.keys(IMPORT_DATASETS).join(' | ')} (default: multi-swe-bench for rows with org/number, else swe-bench)`)
    .option('--instance <id>', 'the row to import (instance_id; Multi-SWE-bench: <org>__<repo>-<number>); needed when the file holds several')
    .option('--registry <prefix>', 'registry in front of every image name, e.g. 127.0.0.1:5000 (a mirror of the dataset\'s images)')
    .option('--namespace <name>', "replaces the dataset's Docker Hub namespace (swebench, xingyaoww, swerebench, mswebench); '' for none")
    .option('--source <repository>', "local clone, bundle or git URL holding the row's base commit (default: https://github.com/<repo>.git)")
    .option('--base-state', 'keep the base commit (where the instance\'s tests fail) as the gym commit instead of base + fix + test patch')
    .option('--output <file>', 'spec file to write (default <gym name>.yaml); the fixed state goes to a git bundle beside it')
    .option('--force', 'overwrite an existing spec and bundle')
    .action(async (rowsFile: string, options: ImportCommandOptions) => {
      const dataset = parseDataset(options.dataset);
      const imported = await importGymFromDatasetRow({
        rowsFile,
        ...(dataset ? { dataset } : {}),
        ...(options.instance === undefined ? {} : { instance: options.instance }),
        ...(options.registry === undefined ? {} : { registry: options.registry }),
        ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
        ...(options.source === undefined ? {} : { source: options.source }),
        ...(options.baseState ? { useBaseState: true } : {}),
        output: options.output ?? (await defaultOutput(rowsFile, dataset, options.instance)),
        ...(options.force ? { force: true } : {}),
      });
      const lines = [
        `wrote ${imported.specPath} (${imported.dataset}): image ${imported.spec.image}, workdir ${imported.spec.docker?.workdir}, commit ${String(imported.spec.commit).slice(0, 12)}`,
        ...(imported.bundlePath ? [`wrote ${imported.bundlePath}: the fixed state (base + ${imported.fixedState.patches.map((patch) => patch.name).join(' + ')})`] : []),
        `test: ${imported.spec.test.command} (${imported.spec.test.report.format})`,
        ...imported.notes.map((note) => `note: ${note}`),
        `next: swe-mirror gym prepare ${path.relative(process.cwd(), imported.specPath) || imported.specPath}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

/** <gym name>.yaml in the current directory, the name planned from the row. */
async function defaultOutput(rowsFile: string, dataset: ImportDataset | undefined, instance: string | undefined): Promise<string> {
  const { readDatasetRows, selectRow } = await import('../gym/import-gym.js');
  const { isMultiSwebenchRow, planGymFromDatasetRow } = await import('../gym/dataset-import.js');
  const row = selectRow(await readDatasetRows(rowsFile), instance, rowsFile);
  return `${planGymFromDatasetRow(dataset ?? (isMultiSwebenchRow(row) ? 'multi-swe-bench' : 'swe-bench'), row).spec.name}.yaml`;
}

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { SweMirrorError } from '../core/errors.js';
import { deterministicGitEnvironment, runGit, runGitRaw } from '../core/git.js';
import { isMultiSwebenchRow, multiSwebenchInstanceId, planGymFromDatasetRow, type FixedState, type ImportDataset, type ImportedGym } from './dataset-import.js';

export interface ImportGymOptions {
  /** A JSON file (one row or an array of rows) or a JSONL file. */
  rowsFile: string;
  /** Default: multi-swe-bench for rows with org/number, else swe-bench. */
  dataset?: ImportDataset;
  /** Which row, by instance_id (Multi-SWE-bench: <org>__<repo>-<number> or <org>/<repo>:pr-<number>); needed when the file holds several. */
  instance?: string;
  namespace?: string;
  registry?: string;
  /** Where the instance's commits come from: a local clone, a bundle or a git URL; default the row's GitHub repository. */
  source?: string;
  /** Keep the base commit as the gym commit instead of materialising the fixed state. */
  useBaseState?: boolean;
  /** The spec file to write; a bundle with the fixed state is written beside it. */
  output: string;
  force?: boolean;
}

export interface ImportedGymFiles extends ImportedGym {
  dataset: ImportDataset;
  specPath: string;
  /** The git bundle holding the fixed-state commit, when one was made. */
  bundlePath?: string;
}

/** Read a dataset file: a JSON array, one JSON object, or JSON Lines. */
export async function readDatasetRows(file: string): Promise<unknown[]> {
  const text = await readFile(file, 'utf8').catch((cause: unknown) => {
    throw new SweMirrorError({ code: 'GYM_IMPORT_FILE_UNREADABLE', kind: 'user', message: `Cannot read the dataset file ${file}: ${(cause as Error).message}.`, hint: 'Give a JSON or JSONL file of dataset rows.', cause });
  });
  const trimmed = text.trim();
  try {
    if (trimmed.startsWith('[')) return JSON.parse(trimmed) as unknown[];
    try {
      return [JSON.parse(trimmed) as unknown];
    } catch {
      return trimmed
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as unknown);
    }
  } catch (cause) {
    throw new SweMirrorError({ code: 'GYM_IMPORT_FILE_INVALID', kind: 'user', message: `${file} is neither JSON nor JSON Lines: ${(cause as Error).message}.`, hint: 'Export the rows as JSONL (one object per line), e.g. with datasets\' to_json(lines=True).', cause });
  }
}

/** The ids a row answers to, for --instance. */
export function rowIds(row: unknown): string[] {
  if (typeof row !== 'object' || row === null) return [];
  const record = row as Record<string, unknown>;
  const ids = typeof record.instance_id === 'string' ? [record.instance_id] : [];
  if (typeof record.org === 'string' && typeof record.repo === 'string' && typeof record.number === 'number') {
    ids.push(multiSwebenchInstanceId(record.org, record.repo, record.number), `${record.org}/${record.repo}:pr-${record.number}`);
  }
  return ids;
}

/** The one row asked for; a clear error when it is missing or ambiguous. */
export function selectRow(rows: unknown[], instance: string | undefined, file: string): unknown {
  const sample = rows.slice(0, 5).flatMap((row) => rowIds(row).slice(0, 1)).join(', ');
  if (instance === undefined) {
    if (rows.length === 1) return rows[0];
    throw new SweMirrorError({ code: 'GYM_IMPORT_INSTANCE_REQUIRED', kind: 'user', message: `${file} holds ${rows.length} rows; say which one to import.`, hint: `Pass --instance <id>, e.g. --instance ${rowIds(rows[0])[0] ?? '<instance_id>'} (first ids: ${sample || 'none'}).` });
  }
  const found = rows.find((row) => rowIds(row).includes(instance));
  if (found !== undefined) return found;
  throw new SweMirrorError({ code: 'GYM_IMPORT_INSTANCE_NOT_FOUND', kind: 'user', message: `No row of ${file} has the id ${instance}.`, hint: `Check --instance against the file's instance_id (first ids: ${sample || 'none'}).` });
}

/**
 * Write a docker gym spec from one dataset row: plan it, then (unless the base state is asked for) make the
 * instance's fixed state a commit (base commit + fix patch + test patch) in a git bundle beside the spec, which
 * becomes the gym's repository. The image is not pulled here: gym prepare pulls it.
 */
export async function importGymFromDatasetRow(options: ImportGymOptions): Promise<ImportedGymFiles> {
  const rows = await readDatasetRows(options.rowsFile);
  const row = selectRow(rows, options.instance, options.rowsFile);
  const dataset = options.dataset ?? (isMultiSwebenchRow(row) ? 'multi-swe-bench' : 'swe-bench');
  const planned = planGymFromDatasetRow(dataset, row, {
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    ...(options.registry ? { registry: options.registry } : {}),
  });
  const specPath = path.resolve(options.output);
  const bundlePath = specPath.replace(/\.ya?ml$/, '') + '.bundle';
  const hasFixedState = !options.useBaseState && planned.fixedState.patches.length > 0;
  for (const file of hasFixedState ? [specPath, bundlePath] : [specPath]) {
    if (existsSync(file) && !options.force) {
      throw new SweMirrorError({ code: 'GYM_IMPORT_OUTPUT_EXISTS', kind: 'user', message: `${file} exists already.`, hint: 'Pass --force to overwrite it, or --output another file.' });
    }
  }
  await mkdir(path.dirname(specPath), { recursive: true });
  const isLocalSource = options.source !== undefined && existsSync(options.source);
  const source = options.source === undefined ? String(planned.spec.repo) : isLocalSource ? path.resolve(options.source) : options.source;
  const spec = { ...planned.spec };
  if (hasFixedState) {
    spec.commit = await writeFixedStateBundle(source, planned.fixedState, bundlePath, spec.name);
    spec.repo = `./${path.basename(bundlePath)}`;
  } else if (options.source) {
    spec.repo = isLocalSource ? path.relative(path.dirname(specPath), source) || '.' : source;
    delete spec.docker?.imageCommit;
  } else if (spec.docker) {
    delete spec.docker.imageCommit;
  }
  const header = [
    `# Imported by swe-mirror gym import from ${path.basename(options.rowsFile)} (${dataset}, ${rowIds(row)[0] ?? 'row'}).`,
    hasFixedState ? `# The gym commit is the instance's fixed state: base ${planned.fixedState.baseCommit.slice(0, 12)} + ${planned.fixedState.patches.map((patch) => patch.name).join(' + ')}.` : '# The gym commit is the base commit.',
    ...planned.notes.map((note) => `# note: ${note}`),
  ];
  await writeFile(specPath, `${header.join('\n')}\n${stringify(spec)}`);
  return { ...planned, spec, dataset, specPath, ...(hasFixedState ? { bundlePath } : {}) };
}

/** Clone `source`, check out the base commit, apply the patches, commit (deterministic identity and date), bundle that branch; returns the commit. */
async function writeFixedStateBundle(source: string, fixedState: FixedState, bundlePath: string, name: string): Promise<string> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'swe-mirror-import-'));
  const clone = path.join(work, 'repo');
  try {
    const cloned = await runGitRaw(work, ['clone', '-q', '--no-checkout', source, clone], { operatorConfig: !existsSync(source) });
    if (cloned.exitCode !== 0) {
      throw new SweMirrorError({ code: 'GYM_IMPORT_SOURCE_UNAVAILABLE', kind: 'user', message: `Cannot clone ${source}: ${cloned.stderr.trim()}`, hint: 'Pass --source <a local clone of the repository> (or a reachable git URL).' });
    }
    const checkout = await runGitRaw(clone, ['checkout', '-q', '--detach', fixedState.baseCommit]);
    if (checkout.exitCode !== 0) {
      throw new SweMirrorError({ code: 'GYM_IMPORT_COMMIT_MISSING', kind: 'user', message: `${source} has no commit ${fixedState.baseCommit} (the row's base commit).`, hint: 'Pass --source a clone that holds it (git fetch the repository\'s full history).' });
    }
    for (const [index, patch] of fixedState.patches.entries()) {
      const patchFile = path.join(work, `patch-${index}.diff`);
      await writeFile(patchFile, patch.text.endsWith('\n') ? patch.text : `${patch.text}\n`);
      const applied = await runGitRaw(clone, ['apply', '--index', '--whitespace=nowarn', patchFile]);
      if (applied.exitCode !== 0) {
        throw new SweMirrorError({ code: 'GYM_IMPORT_PATCH_FAILED', kind: 'user', message: `The row's ${patch.name} does not apply to ${fixedState.baseCommit}: ${applied.stderr.trim()}`, hint: 'Check that the row and the source repository match, or pass --base-state to keep the base commit.' });
      }
    }
    await runGit(clone, ['commit', '-q', '--no-verify', '--allow-empty', '-m', `${name}: fixed state (${fixedState.patches.map((patch) => patch.name).join(' + ')})`], { env: deterministicGitEnvironment() });
    await runGit(clone, ['checkout', '-q', '-B', 'swe-mirror-gym']);
    await rm(bundlePath, { force: true });
    // HEAD too: a clone of the bundle checks it out.
    await runGit(clone, ['bundle', 'create', '-q', bundlePath, 'HEAD', 'swe-mirror-gym']);
    return (await runGit(clone, ['rev-parse', 'HEAD'])).trim();
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

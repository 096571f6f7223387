import { z } from 'zod';
import type { GymSpecInput, Language } from '../config/gym-spec.js';
import { LANGUAGES } from '../config/gym-spec.js';
import { SweMirrorError } from '../core/errors.js';
import type { ReportFormat } from '../core/tests.js';

/** The datasets whose rows become docker gyms, and the Docker Hub namespace each publishes its images under. */
export const IMPORT_DATASETS = { 'swe-bench': 'swebench', 'swe-gym': 'xingyaoww', 'swe-rebench': 'swerebench', 'multi-swe-bench': 'mswebench' } as const;
export type ImportDataset = keyof typeof IMPORT_DATASETS;

const commitSchema = z.string().regex(/^[0-9a-f]{7,40}$/, 'a commit hash');

/** A SWE-bench-style instance (SWE-bench, SWE-Gym, SWE-rebench): only the fields read, the rest ignored. */
const swebenchRowSchema = z
  .object({
    instance_id: z.string().min(1),
    repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'owner/name'),
    base_commit: commitSchema,
    version: z.union([z.string(), z.number()]).optional(),
    patch: z.string().optional(),
    test_patch: z.string().optional(),
    docker_image: z.string().min(1).optional(),
    image_name: z.string().min(1).optional(),
    install_config: z.object({ test_cmd: z.union([z.string(), z.array(z.string())]).optional() }).passthrough().optional(),
  })
  .passthrough();

/** A Multi-SWE-bench instance: org, repo, number, the base commit and the two patches. */
const multiSwebenchRowSchema = z
  .object({
    org: z.string().min(1),
    repo: z.string().min(1),
    number: z.number().int().positive(),
    base: z.object({ sha: commitSchema }).passthrough(),
    fix_patch: z.string().optional(),
    test_patch: z.string().optional(),
    language: z.string().optional(),
    lang: z.string().optional(),
  })
  .passthrough();

/** The instance's fixed state: its base commit (what the image holds) plus these patches, in order. */
export interface FixedState {
  baseCommit: string;
  patches: { name: string; text: string }[];
}

export interface ImportedGym {
  spec: GymSpecInput;
  /** The patches that turn the image's base commit into the instance's fixed state (the gym commit); none: the base commit is the gym commit. */
  fixedState: FixedState;
  /** What the row did not say and the user should check or add (test command, parser, limits). */
  notes: string[];
}

export interface PlanImportOptions {
  /** Replaces the dataset's Docker Hub namespace; '' for bare local names. */
  namespace?: string;
  /** A registry put in front of every image name (a mirror such as 127.0.0.1:5000). */
  registry?: string;
}

/** The image SWE-bench's harness names for an instance: <namespace>/sweb.eval.x86_64.<id>:latest, `__` as `_1776_`, lowercase. */
export function swebenchImageName(instanceId: string, namespace: string | undefined): string {
  const key = `sweb.eval.x86_64.${instanceId}:latest`;
  return (namespace ? `${namespace}/${key}`.replaceAll('__', '_1776_') : key).toLowerCase();
}

/** The image Multi-SWE-bench names for a pull request: <namespace>/<org>_m_<repo>:pr-<number>, lowercase. */
export function multiSwebenchImageName(org: string, repo: string, number: number, namespace = 'mswebench'): string {
  return `${namespace ? `${namespace}/` : ''}${org}_m_${repo}`.toLowerCase() + `:pr-${number}`;
}

/** The instance id swe-mirror gives a Multi-SWE-bench row: <org>__<repo>-<number>, as Multi-SWE-bench's own instance_id. */
export function multiSwebenchInstanceId(org: string, repo: string, number: number): string {
  return `${org}__${repo}-${number}`;
}

/** Whether a row looks like Multi-SWE-bench's (org, repo, number) rather than SWE-bench's (instance_id, base_commit). */
export function isMultiSwebenchRow(row: unknown): boolean {
  return typeof row === 'object' && row !== null && 'org' in row && 'number' in row && !('base_commit' in row);
}

const PYTHON_TEST_FILES = ['tests/**', 'testing/**', '**/test_*.py', '**/*_test.py', '**/tests/**', '**/conftest.py'];
/** SWE-bench images keep the instance's environment in a conda env named testbed. */
const ACTIVATE_TESTBED = 'source /opt/miniconda3/bin/activate testbed';
const PYTEST = 'pytest -rA -p no:cacheprovider';

/**
 * A docker gym spec from one dataset row (plan only: nothing is pulled or written). The image holds the instance's
 * base commit at the workdir; the gym commit is the instance's fixed state (base commit + fix + test patch), which
 * the caller materialises from `fixedState`. The test command and parser are chosen for the repository's runner.
 */
export function planGymFromDatasetRow(dataset: ImportDataset, row: unknown, options: PlanImportOptions = {}): ImportedGym {
  const namespace = options.namespace === undefined ? IMPORT_DATASETS[dataset] : options.namespace || undefined;
  const planned = dataset === 'multi-swe-bench' ? planFromMultiSwebench(parseRow(multiSwebenchRowSchema, row, dataset), namespace) : planFromSwebench(parseRow(swebenchRowSchema, row, dataset), namespace);
  if (options.registry) planned.spec.image = `${options.registry.replace(/\/+$/, '')}/${planned.spec.image ?? ''}`;
  if (planned.fixedState.patches.length === 0) planned.notes.push('The row has no fix or test patch: the gym commit is the base commit, where the instance\'s tests fail.');
  return planned;
}

function planFromSwebench(instance: z.infer<typeof swebenchRowSchema>, namespace: string | undefined): ImportedGym {
  const notes: string[] = [];
  const given = instance.install_config?.test_cmd;
  const declared = Array.isArray(given) ? given.join(' && ') : given;
  const runner = chooseSwebenchRunner(instance.repo);
  const testCommand = declared ?? runner.command;
  if (!declared) notes.push(`The row names no test command; using \`${testCommand}\` for ${instance.repo}.`);
  const format = declared !== undefined && !/\bpytest\b/.test(declared) ? undefined : runner.format;
  if (!format) notes.push(`The test command is not pytest (${instance.repo} has its own runner): set test.report.format to a parser that reads its output; swe-mirror has none for it, so pytest-ra is written and will find no evidence.`);
  return {
    spec: {
      name: toGymName(instance.instance_id),
      language: 'python',
      runtime: 'docker',
      repo: `https://github.com/${instance.repo}.git`,
      commit: instance.base_commit,
      image: instance.docker_image ?? instance.image_name ?? swebenchImageName(instance.instance_id, namespace),
      docker: { workdir: '/testbed', imageCommit: instance.base_commit },
      install: [],
      test: {
        command: `${ACTIVATE_TESTBED} && ${testCommand}`,
        ...(format ? { filesCommand: `${ACTIVATE_TESTBED} && ${testCommand} {files}` } : {}),
        report: { format: format ?? 'pytest-ra' },
      },
      testFiles: PYTHON_TEST_FILES,
      timeLimitSeconds: 1800,
      memoryLimitMB: 4096,
    },
    fixedState: { baseCommit: instance.base_commit, patches: patchesOf(instance.patch, instance.test_patch) },
    notes: [...notes, 'install is empty: the image already holds the environment at the base commit.'],
  };
}

/** SWE-bench's harness runs django and sympy with their own runners (no parser here); everything else with pytest -rA. */
function chooseSwebenchRunner(repo: string): { command: string; format: ReportFormat | undefined } {
  if (repo === 'django/django') return { command: './tests/runtests.py --verbosity 2 --parallel 1', format: undefined };
  if (repo === 'sympy/sympy') return { command: 'bin/test -C --verbose', format: undefined };
  return { command: PYTEST, format: 'pytest-ra' };
}

/** Per language, the runner whose machine-readable output swe-mirror parses, run in the image's workdir. */
const MULTI_SWEBENCH_RUNNERS: Record<Language, { command: string; filesCommand?: string; format: ReportFormat; testFiles: string[] }> = {
  python: { command: `python3 -m ${PYTEST}`, filesCommand: `python3 -m ${PYTEST} {files}`, format: 'pytest-ra', testFiles: PYTHON_TEST_FILES },
  go: { command: 'go test -json ./...', format: 'go-json', testFiles: ['**/*_test.go'] },
  rust: { command: 'cargo test --no-fail-fast', format: 'cargo', testFiles: ['tests/**', 'benches/**'] },
  javascript: { command: 'npx jest --json --outputFile=swe-mirror-jest.json', format: 'jest', testFiles: ['test/**', 'tests/**', '**/__tests__/**', '**/*.test.*', '**/*.spec.*'] },
  typescript: { command: 'npx jest --json --outputFile=swe-mirror-jest.json', format: 'jest', testFiles: ['test/**', 'tests/**', '**/__tests__/**', '**/*.test.*', '**/*.spec.*'] },
};

function planFromMultiSwebench(row: z.infer<typeof multiSwebenchRowSchema>, namespace: string | undefined): ImportedGym {
  const declared = (row.language ?? row.lang ?? '').toLowerCase();
  const language = (LANGUAGES as readonly string[]).includes(declared) ? (declared as Language) : undefined;
  const runner = MULTI_SWEBENCH_RUNNERS[language ?? 'javascript'];
  const notes = [
    `The suite runs as \`${runner.command}\` (${runner.format} report) in /home/${row.repo}, not through the image's /home/run.sh, whose console output has no parser here; check it is this repository's runner.`,
  ];
  if (runner.format === 'jest') notes.push('JavaScript/TypeScript: jest is assumed; for mocha, vitest or node --test change test.command and test.report.');
  if (!language) notes.push(`The row's language ${declared || '(none)'} is not one swe-mirror parses (${LANGUAGES.join(', ')}); the spec says javascript: change it.`);
  return {
    spec: {
      name: toGymName(multiSwebenchInstanceId(row.org, row.repo, row.number)),
      language: language ?? 'javascript',
      runtime: 'docker',
      repo: `https://github.com/${row.org}/${row.repo}.git`,
      commit: row.base.sha,
      image: multiSwebenchImageName(row.org, row.repo, row.number, namespace ?? ''),
      docker: { workdir: `/home/${row.repo}`, imageCommit: row.base.sha },
      install: [],
      test: {
        command: runner.command,
        ...(runner.filesCommand ? { filesCommand: runner.filesCommand } : {}),
        report: { format: runner.format, ...(runner.format === 'jest' ? { file: 'swe-mirror-jest.json' } : {}) },
      },
      testFiles: runner.testFiles,
      timeLimitSeconds: 1800,
      memoryLimitMB: 4096,
    },
    fixedState: { baseCommit: row.base.sha, patches: patchesOf(row.fix_patch, row.test_patch) },
    notes,
  };
}

function patchesOf(fix: string | undefined, test: string | undefined): FixedState['patches'] {
  return [
    ...(fix && fix.trim() !== '' ? [{ name: 'fix patch', text: fix }] : []),
    ...(test && test.trim() !== '' ? [{ name: 'test patch', text: test }] : []),
  ];
}

function toGymName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'imported';
}

function parseRow<T>(schema: z.ZodType<T>, row: unknown, dataset: ImportDataset): T {
  const parsed = schema.safeParse(row);
  if (parsed.success) return parsed.data;
  throw new SweMirrorError({
    code: 'GYM_IMPORT_ROW_INVALID',
    kind: 'user',
    message: `The ${dataset} row cannot become a gym: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(row)'}: ${issue.message}`).join('; ')}.`,
    hint: dataset === 'multi-swe-bench' ? 'A Multi-SWE-bench row needs org, repo, number and base.sha.' : 'A SWE-bench-style row needs instance_id, repo (owner/name) and base_commit.',
  });
}

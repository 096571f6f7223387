import { z } from 'zod';
import type { GymSpecInput, Language } from '../config/gym-spec.js';
import { LANGUAGES } from '../config/gym-spec.js';
import { SweMirrorError } from '../core/errors.js';

/** The datasets whose rows become docker gyms, and the Docker Hub namespace each publishes its images under. */
export const IMPORT_DATASETS = { 'swe-bench': 'swebench', 'swe-gym': 'xingyaoww', 'swe-rebench': 'swerebench', 'multi-swe-bench': 'mswebench' } as const;
export type ImportDataset = keyof typeof IMPORT_DATASETS;

/** A SWE-bench-style instance (SWE-bench, SWE-Gym, SWE-rebench): only the fields read, the rest ignored. */
const swebenchRowSchema = z
  .object({
    instance_id: z.string().min(1),
    repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/),
    base_commit: z.string().regex(/^[0-9a-f]{7,40}$/),
    version: z.union([z.string(), z.number()]).optional(),
    docker_image: z.string().min(1).optional(),
    image_name: z.string().min(1).optional(),
    install_config: z.object({ test_cmd: z.union([z.string(), z.array(z.string())]).optional() }).passthrough().optional(),
  })
  .passthrough();

/** A Multi-SWE-bench instance: org, repo, number and the base commit. */
const multiSwebenchRowSchema = z
  .object({
    org: z.string().min(1),
    repo: z.string().min(1),
    number: z.number().int().positive(),
    base: z.object({ sha: z.string().regex(/^[0-9a-f]{7,40}$/) }).passthrough(),
    language: z.string().optional(),
    lang: z.string().optional(),
  })
  .passthrough();

export interface ImportedGym {
  spec: GymSpecInput;
  /** What the row did not say and the user should check or add (test command, parser, limits). */
  notes: string[];
}

/** The image SWE-bench's harness names for an instance: <namespace>/sweb.eval.x86_64.<id>:latest, `__` as `_1776_`, lowercase. */
export function swebenchImageName(instanceId: string, namespace: string | undefined): string {
  const key = `sweb.eval.x86_64.${instanceId}:latest`;
  return (namespace ? `${namespace}/${key}`.replaceAll('__', '_1776_') : key).toLowerCase();
}

/** The image Multi-SWE-bench names for a pull request: <namespace>/<org>_m_<repo>:pr-<number>, lowercase. */
export function multiSwebenchImageName(org: string, repo: string, number: number, namespace = 'mswebench'): string {
  return `${namespace}/${org}_m_${repo}`.toLowerCase() + `:pr-${number}`;
}

const PYTHON_TEST_FILES = ['tests/**', 'testing/**', '**/test_*.py', '**/*_test.py', '**/tests/**', '**/conftest.py'];
/** SWE-bench images keep the instance's environment in a conda env named testbed. */
const ACTIVATE_TESTBED = 'source /opt/miniconda3/bin/activate testbed';

/**
 * A docker gym spec from one dataset row (plan only: nothing is pulled or written). The gym commit is the
 * instance's base commit, which its image holds at the workdir; `namespace` overrides the dataset's registry
 * namespace (a local registry such as 127.0.0.1:5000/swebench), `undefined` keeps it, '' means local names.
 */
export function planGymFromDatasetRow(dataset: ImportDataset, row: unknown, options: { namespace?: string } = {}): ImportedGym {
  const namespace = options.namespace === undefined ? IMPORT_DATASETS[dataset] : options.namespace || undefined;
  if (dataset === 'multi-swe-bench') return planFromMultiSwebench(parseRow(multiSwebenchRowSchema, row, dataset), namespace);
  const instance = parseRow(swebenchRowSchema, row, dataset);
  const notes: string[] = [];
  const given = instance.install_config?.test_cmd;
  const runner = Array.isArray(given) ? given.join(' && ') : given;
  const isDjango = instance.repo === 'django/django';
  const testCommand = runner ?? (isDjango ? './tests/runtests.py --verbosity 2 --parallel 1' : 'pytest -rA -p no:cacheprovider');
  if (!runner) notes.push(`The row names no test command; using \`${testCommand}\` (SWE-bench's harness default for this repository).`);
  if (isDjango || (runner !== undefined && !/\bpytest\b/.test(runner))) {
    notes.push('The test command is not pytest: set test.report.format to a parser that reads its output (the pytest-ra default will find no evidence).');
  }
  return {
    spec: {
      name: instance.instance_id.replace(/[^A-Za-z0-9._-]+/g, '-'),
      language: 'python',
      runtime: 'docker',
      repo: `https://github.com/${instance.repo}.git`,
      commit: instance.base_commit,
      image: instance.docker_image ?? instance.image_name ?? swebenchImageName(instance.instance_id, namespace),
      docker: { workdir: '/testbed' },
      install: [],
      test: {
        command: `${ACTIVATE_TESTBED} && ${testCommand}`,
        ...(isDjango ? {} : { filesCommand: `${ACTIVATE_TESTBED} && ${testCommand} {files}` }),
        report: { format: 'pytest-ra' },
      },
      testFiles: PYTHON_TEST_FILES,
      timeLimitSeconds: 1800,
      memoryLimitMB: 4096,
    },
    notes: [...notes, 'install is empty: the image already holds the environment at the base commit.'],
  };
}

function planFromMultiSwebench(row: z.infer<typeof multiSwebenchRowSchema>, namespace: string | undefined): ImportedGym {
  const declared = (row.language ?? row.lang ?? '').toLowerCase();
  const language = (LANGUAGES as readonly string[]).includes(declared) ? (declared as Language) : undefined;
  const notes = [
    'Multi-SWE-bench images run the suite through /home/run.sh; set test.report.format to the parser for this repository\'s runner (its log parser is per repository) and check testFiles.',
  ];
  if (!language) notes.push(`The row's language ${declared || '(none)'} is not one swe-mirror parses (${LANGUAGES.join(', ')}); the spec says javascript: change it.`);
  return {
    spec: {
      name: `${row.org}__${row.repo}-${row.number}`.replace(/[^A-Za-z0-9._-]+/g, '-'),
      language: language ?? 'javascript',
      runtime: 'docker',
      repo: `https://github.com/${row.org}/${row.repo}.git`,
      commit: row.base.sha,
      image: multiSwebenchImageName(row.org, row.repo, row.number, namespace ?? ''),
      docker: { workdir: `/home/${row.repo}` },
      install: [],
      test: { command: 'bash /home/run.sh', report: { format: 'junit' } },
      testFiles: ['test/**', 'tests/**', '**/__tests__/**', '**/*.test.*', '**/*_test.*'],
      timeLimitSeconds: 1800,
      memoryLimitMB: 4096,
    },
    notes,
  };
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

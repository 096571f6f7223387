import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { SweMirrorError } from '../core/errors.js';
import { parseYamlWithSchema } from './validate.js';
import { limitsSchema } from '../budget/budget-config.js';
import { CONSISTENCY_LEVELS } from '../judge/consistency.js';

const sourceSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('jsonl'),
      path: z.string().min(1).describe('JSONL of SWE-bench- or Multi-SWE-bench-style rows.'),
      gyms: z.array(z.string()).optional().describe('Gyms this source feeds; default every gym.'),
      requireIssue: z.boolean().default(true),
    })
    .strict(),
  z
    .object({
      type: z.literal('git'),
      path: z.string().min(1).describe('A local clone whose history holds merged PRs.'),
      repo: z.string().optional().describe('owner/name to record for its PRs; default the directory name.'),
      gyms: z.array(z.string()).optional(),
      requireIssue: z.boolean().default(true),
    })
    .strict(),
  z
    .object({
      type: z.literal('github'),
      gyms: z.array(z.string()).optional(),
      maxRepos: z.number().int().positive().default(20),
      maxPullRequests: z.number().int().positive().default(100).describe('Per repository.'),
      language: z.string().optional(),
      baseUrl: z.string().optional().describe('GitHub Enterprise API URL.'),
      tokenEnv: z.string().default('GITHUB_TOKEN'),
      requireIssue: z.boolean().default(true),
    })
    .strict(),
]);

/** `swe-mirror run` configuration (swe-mirror.yaml). Paths are relative to the config file. */
export const runConfigSchema = z
  .object({
    schemaVersion: z.literal(1).default(1),
    output: z.string().default('swe-mirror-out').describe('Output directory: exports, stats, logs.'),
    store: z.string().optional().describe('SQLite store; default <output>/state.sqlite.'),
    dataDir: z.string().optional().describe('Where prepared gyms live; default SWE_MIRROR_DATA_DIR or ~/.cache/swe-mirror.'),
    gyms: z.array(z.string().min(1)).min(1).describe('Gym spec files.'),
    sources: z.array(sourceSchema).min(1),
    model: z.unknown().optional().describe('Model section; see docs/models.md.'),
    unsafeNoSandbox: z
      .union([z.boolean(), z.literal('replayed-models')])
      .default(false)
      .describe(
        'Run without a sandbox when bubblewrap is missing: true always, "replayed-models" only when every model answer is replayed from a recording (the offline demo); recorded in every verdict and task.',
      ),
    filter: z
      .object({ llm: z.boolean().default(true).describe('Run the LLM mirrorability filter.') })
      .strict()
      .default({ llm: true }),
    mirror: z
      .object({
        retriesPerStep: z.number().int().min(0).default(2),
        samples: z
          .number()
          .int()
          .min(1)
          .default(1)
          .describe('Samples per model call (n). In the mirror step every distinct usable answer becomes its own task (statement, verification), so a candidate yields up to this many; dedup keeps distinct FAIL_TO_PASS sets and fixes. Use with temperature > 0.'),
        temperature: z.number().min(0).max(2).optional().describe('Sampling temperature of every mirroring step; default the model\'s own.'),
        maxCandidatesPerGym: z.number().int().positive().optional(),
        judge: z.boolean().default(false).describe('Grade every verified task against its source PR and issue (high / moderate / inconsistent) with the LLM judge; docs/judge.md.'),
        minConsistency: z
          .enum(CONSISTENCY_LEVELS)
          .optional()
          .describe('Export only tasks the judge graded at least this consistent (implies judge: true); the others stay in the store, counted in stats.'),
      })
      .strict()
      .default({ retriesPerStep: 2, samples: 1, judge: false }),
    verify: z
      .object({
        strict: z.boolean().default(false),
        repeats: z
          .object({ run: z.number().int().min(1).default(1), test: z.number().int().min(1).default(1), fix: z.number().int().min(1).default(1) })
          .strict()
          .default({ run: 1, test: 1, fix: 1 })
          .describe('Full suite runs per state; more than one of test or fix is the paper\'s behaviour (no targeted reruns then unless `reruns` is set).'),
        reruns: z
          .number()
          .int()
          .min(0)
          .optional()
          .describe('Reruns of the deciding tests in fix and test through the gym\'s filesCommand; default 1 (0 when repeats are above 1).'),
      })
      .strict()
      .default({ strict: false, repeats: { run: 1, test: 1, fix: 1 } }),
    concurrency: z
      .object({
        model: z.number().int().positive().default(4).describe('Candidates whose model steps run at once.'),
        tests: z.number().int().positive().optional().describe('Test-suite runs at once; default the number of cores.'),
      })
      .strict()
      .default({ model: 4 }),
    limits: limitsSchema.default({}).describe('Budgets: whole-run and per-gym spend caps, calls per candidate, tokens per step (docs/budgets.md).'),
    export: z
      .object({ listsAsJsonStrings: z.boolean().default(false) })
      .strict()
      .default({ listsAsJsonStrings: false }),
  })
  .strict();

export type RunConfig = z.infer<typeof runConfigSchema>;

export interface LoadedRunConfig {
  config: RunConfig;
  configPath: string;
  /** Absolute paths resolved against the config file. */
  outputDirectory: string;
  storePath: string;
  gymSpecPaths: string[];
  testConcurrency: number;
  resolvePath(relative: string): string;
}

/** Load swe-mirror.yaml, reporting every problem at once with where it is. */
export async function loadRunConfig(configPath: string): Promise<LoadedRunConfig> {
  const absolute = path.resolve(configPath);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (cause) {
    throw new SweMirrorError({
      code: 'RUN_CONFIG_NOT_FOUND',
      kind: 'user',
      message: `Cannot read config ${configPath}.`,
      hint: 'Pass --config <file>; examples/demo/swe-mirror.yaml is a complete example.',
      cause,
    });
  }
  const config = parseYamlWithSchema(text, runConfigSchema, { source: configPath, code: 'RUN_CONFIG_INVALID', what: 'swe-mirror config' });
  const resolvePath = (relative: string) => path.resolve(path.dirname(absolute), relative);
  const outputDirectory = resolvePath(config.output);
  return {
    config,
    configPath: absolute,
    outputDirectory,
    storePath: config.store ? resolvePath(config.store) : path.join(outputDirectory, 'state.sqlite'),
    gymSpecPaths: config.gyms.map(resolvePath),
    testConcurrency: config.concurrency.tests ?? Math.max(1, os.availableParallelism()),
    resolvePath,
  };
}

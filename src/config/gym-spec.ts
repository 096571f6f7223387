import path from 'node:path';
import { z } from 'zod';
import { REPORT_FORMATS } from '../core/tests.js';

export const LANGUAGES = ['python', 'javascript', 'typescript', 'go', 'rust'] as const;
export type Language = (typeof LANGUAGES)[number];

/** How a docker gym's base image is made and how its containers run. */
export const dockerSettingsSchema = z
  .object({
    dockerfile: z
      .string()
      .min(1)
      .optional()
      .describe('Dockerfile, relative to the spec file, built once as the base image (instead of pulling image).'),
    context: z
      .string()
      .min(1)
      .optional()
      .describe("Build context directory, relative to the spec file; default the Dockerfile's directory."),
    workdir: z
      .string()
      .regex(/^\/[^\0]*$/, 'an absolute path in the container')
      .default('/testbed')
      .describe('Where the repository lives in the container (SWE-bench images use /testbed).'),
    imageCommit: z
      .string()
      .regex(/^[0-9a-f]{7,40}$/, 'a commit hash')
      .optional()
      .describe("The commit the image's workdir already holds (a dataset image's base commit), when the gym commit is another one: files the gym commit deletes relative to it are removed at prepare."),
    user: z.string().min(1).optional().describe("User installs and suite runs run as (name or uid[:gid]); default the image's user."),
    cpus: z.number().positive().optional().describe('CPU limit of one suite run, in CPUs (e.g. 2 or 0.5); default none.'),
    mounts: z
      .array(
        z
          .object({
            source: z.string().regex(/^\/[^\0]*$/, 'an absolute host path').refine((value) => !value.split('/').includes('..'), 'no .. in the path').describe('Host directory or file (absolute).'),
            target: z.string().regex(/^\/[^\0]*$/, 'an absolute path in the container').refine((value) => !value.split('/').includes('..'), 'no .. in the path').optional().describe('Where it shows in the container; default the same path.'),
          })
          .strict(),
      )
      .optional()
      .describe("Host paths shown read-only in every container (installs, suite runs, pre-checks): an operator's convenience for toolchains (node, GOROOT, a rustup toolchain) the image lacks. Not the docker socket, home secrets or the gym's directories; the gym is then only as reproducible as those host paths."),
  })
  .strict()
  .superRefine((settings, context) => {
    for (const [index, mount] of (settings.mounts ?? []).entries()) {
      const target = path.posix.normalize(mount.target ?? mount.source);
      const workdir = path.posix.normalize(settings.workdir);
      if (target === '/' || target === workdir || target.startsWith(`${workdir}/`) || workdir.startsWith(`${target}/`)) {
        context.addIssue({ code: 'custom', path: ['mounts', index, 'target'], message: `must not be /, the workdir ${settings.workdir}, or inside or above it` });
      }
    }
  });

/** The gym spec: a repository whose test suite we can run, declared in YAML. */
export const gymSpecSchema = z
  .object({
    schemaVersion: z.literal(1).default(1).describe('Version of this spec format.'),
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, dot, dash or underscore')
      .describe('Short unique name of the gym.'),
    language: z.enum(LANGUAGES).describe('Main language of the gym.'),
    repo: z
      .string()
      .min(1)
      .describe('Git URL, or a local path (relative to the spec file) to a git repository or a plain directory.'),
    commit: z
      .string()
      .optional()
      .describe('Pinned commit; default HEAD of the repository (recorded at prepare time).'),
    sourceExclude: z
      .array(z.string().min(1))
      .default([])
      .describe('Globs left out when the repo is a local plain directory (e.g. the spec file and hidden task patches of a fixture).'),
    submodules: z
      .union([
        z.boolean(),
        z
          .object({
            urls: z
              .record(z.string().min(1), z.string().min(1))
              .default({})
              .describe('Where to fetch a submodule from instead of its .gitmodules URL, by submodule path: a URL, or a local repository or bundle (relative to the spec file); for offline machines and exported gyms.'),
          })
          .strict(),
      ])
      .optional()
      .describe('Git submodules of the gym commit: checked out at their recorded commits at prepare (default, when the repo has a .gitmodules), or false to leave them empty.'),
    install: z.array(z.string()).default([]).describe('Shell commands run once, with network, at prepare time.'),
    test: z
      .object({
        command: z.string().min(1).describe('Shell command that runs the whole suite.'),
        filesCommand: z
          .string()
          .optional()
          .describe('Runs only some test files; `{files}` is replaced by the quoted file list.'),
        report: z.object({
          format: z.enum(REPORT_FORMATS).describe('How test results are read.'),
          file: z
            .string()
            .optional()
            .describe('Report file the command writes, relative to the repository; default: parse stdout.'),
        }),
      })
      .describe('How to run the tests and read their results.'),
    precheck: z
      .string()
      .optional()
      .describe('Cheap compile/syntax check run before the full suite (e.g. `go vet ./...`, `cargo check --tests`).'),
    testFiles: z
      .array(z.string().min(1))
      .min(1)
      .describe('Globs that identify test files; everything else is source.'),
    timeLimitSeconds: z.number().positive().default(300).describe('Wall-time limit of one suite run.'),
    memoryLimitMB: z.number().int().positive().default(1024).describe('Memory limit of one suite run.'),
    processLimit: z
      .number()
      .int()
      .min(16)
      .optional()
      .describe(
        'Most processes and threads one suite run may hold at once (a fork bomb stops here, labelled as such). Default: half the memory limit in MiB, between 64 and 1024, so a fork bomb reaches it before the memory limit.',
      ),
    env: z
      .record(z.string(), z.string())
      .default({})
      .describe('Environment variables for install and test; they win over the ones swe-mirror sets (CI, NO_COLOR, FORCE_COLOR, caches: see docs/gyms.md).'),
    unsetEnv: z
      .array(z.string().min(1))
      .default([])
      .describe('Variables swe-mirror sets by default that this gym must not see (e.g. NO_COLOR and FORCE_COLOR for a suite that tests colour output).'),
    runtime: z
      .enum(['local', 'docker'])
      .optional()
      .describe('Where installs and suite runs happen: local (the sandbox; the default) or docker (a fresh container from the gym image per run; docs/docker.md).'),
    image: z
      .string()
      .optional()
      .describe('Container image: the image exported tasks name, and with runtime docker the base image the gym is prepared in (pulled if absent).'),
    docker: dockerSettingsSchema.optional().describe('Settings of the docker runtime (runtime: docker).'),
    baselineRuns: z.number().int().min(1).default(3).describe('Baseline suite runs at prepare time to find flaky tests.'),
    quarantine: z
      .array(z.string().min(1))
      .default([])
      .describe('Test ids known to be unreliable here (timing tests...): excluded from every verdict, like the flaky tests the baseline finds.'),
  })
  .strict()
  .superRefine((spec, context) => {
    if (spec.runtime === 'docker' && !spec.image && !spec.docker?.dockerfile) {
      context.addIssue({ code: 'custom', path: ['image'], message: 'runtime docker needs image (an existing image) or docker.dockerfile (built once)' });
    }
    if (spec.image && spec.docker?.dockerfile) {
      context.addIssue({ code: 'custom', path: ['docker', 'dockerfile'], message: 'give image or docker.dockerfile, not both' });
    }
  });

export type GymSpec = z.infer<typeof gymSpecSchema>;
export type GymSpecInput = z.input<typeof gymSpecSchema>;

import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { JobGymFiles } from './job-gym.js';
import type { TestState, Verdict } from '../core/records.js';
import { stableJson } from './mirror-job.js';

export const VERIFY_JOB_SCHEMA_VERSION = 1;
/** The queue `swe-mirror verify --queue` puts its one job on: test-bound, like evaluation jobs. */
export const VERIFY_QUEUE_NAME = 'verify';

/** What a worker needs to verify one task: its patches, the options, and the gym's spec and source by content hash. */
export interface VerifyJobData {
  schemaVersion: number;
  kind: 'verify';
  /** The task directory's name (log folder names only). */
  taskName: string;
  patches: { mirror: string; test: string; fix?: string };
  /** The gym's spec, source and Docker build context by content hash (`publishGym`). */
  gym: JobGymFiles;
  options: { strict: boolean; repeats: Partial<Record<TestState, number>>; reruns?: number; parallelRuns?: number };
}

/** A job's return value: the verdict and what verdict.json records about where it was reached. */
export interface VerifyJobResult {
  schemaVersion: number;
  kind: 'verify';
  verdict: Verdict;
  gym: string;
  commit: string;
  runtime: string;
  runCounts: Array<{ passed: number; failed: number; skipped: number }>;
  /** Where the worker kept the run logs (on the worker's machine). */
  logDirectory: string;
  worker: string;
}

const resultSchema = z.looseObject({
  schemaVersion: z.literal(VERIFY_JOB_SCHEMA_VERSION),
  kind: z.literal('verify'),
  verdict: z.looseObject({ valid: z.boolean(), FAIL_TO_PASS: z.array(z.string()), PASS_TO_PASS: z.array(z.string()) }),
  gym: z.string(),
  commit: z.string(),
  runtime: z.string(),
  runCounts: z.array(z.looseObject({ passed: z.number(), failed: z.number(), skipped: z.number() })),
  logDirectory: z.string(),
  worker: z.string(),
});

/** Read a verify job's return value; undefined when this version did not write it (the job then runs again). */
export function parseVerifyJobResult(value: unknown): VerifyJobResult | undefined {
  const parsed = resultSchema.safeParse(value);
  return parsed.success ? (parsed.data as unknown as VerifyJobResult) : undefined;
}

/** The job id: gym, task and a hash of everything the verdict depends on (same task content, same job, across runs). */
export function verifyJobId(data: VerifyJobData): string {
  const hash = createHash('sha256').update(stableJson(data)).digest('hex').slice(0, 16);
  const safe = (text: string) => text.replace(/[^A-Za-z0-9._-]/g, '_');
  return `verify__${safe(data.gym.name)}__${safe(data.taskName)}__${hash}`;
}

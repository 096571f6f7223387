import type { ChatModel } from '../core/model.js';
import type { Runtime } from '../core/process.js';
import type { LlmCallRecord, SourcePR, TestState, Verdict } from '../core/records.js';
import type { PreparedGym } from '../gym/types.js';
import type { PriorRun, VerifyTaskOptions } from '../verify/verify-task.js';

/** The steps of the mirroring loop, in order; stable strings for records and reporters. */
export const MIRROR_STEPS = [
  'distill',
  'test-localize',
  'test-generate',
  'mirror-localize',
  'mirror-generate',
  'statement',
  'verify',
] as const;
export type MirrorStep = (typeof MIRROR_STEPS)[number];

export interface MirrorBudget {
  /** Retries after a failed try of one step, each with the failure as feedback. Default 2. */
  retriesPerStep?: number;
  /** Samples per model call (n); each is tried in turn before a retry. Default 1. */
  samples?: number;
  /** Sampling temperature; default the model's own. */
  temperature?: number;
}

/** Verifier seam: the real one is `verifyTask` from src/verify. */
export type VerifyFunction = (
  gym: PreparedGym,
  patches: { mirror: string; test: string; fix: string },
  options: VerifyTaskOptions,
) => Promise<Verdict>;

export interface MirrorInput {
  gym: PreparedGym;
  source: SourcePR;
  model: ChatModel;
  runtime: Runtime;
  budget?: MirrorBudget;
  /** Working copy to use; default the gym's primary one. It is reset before and after. */
  workdir?: string;
  /** Where suite and verification logs go; default none. */
  logDirectory?: string;
  /** Verification settings passed to the verifier. */
  verifyOptions?: { repeats?: Partial<Record<TestState, number>>; reruns?: number; strict?: boolean; unsafeNoSandbox?: boolean };
  /** Replace the verifier (tests, other runtimes); default `verifyTask`. */
  verify?: VerifyFunction;
  /**
   * An attempt of this candidate that infrastructure trouble interrupted (its log, as `onInterrupted` got it):
   * the steps it finished are taken from its checkpoint, not run again. Ignored when its gym commit differs.
   */
  resume?: AttemptLog;
  /** Called with the attempt log, checkpoint included, just before an infrastructure error is thrown on. */
  onInterrupted?: (attempt: AttemptLog) => void;
  onEvent?: (event: MirrorEvent) => void;
}

export type MirrorStatus = 'verified' | 'rejected' | 'failed';

export interface MirrorPatches {
  mirror: string;
  test: string;
  fix: string;
}

/** What became of one distinct usable mirror answer: its own statement and verification. */
export interface MirrorVariant {
  /** 0 for the first distinct usable mirror answer, 1 for the next, ... (the order of the samples). */
  index: number;
  status: MirrorStatus;
  patches: MirrorPatches;
  statement?: string;
  verdict?: Verdict;
  failure?: { step: MirrorStep; reason: string };
}

export interface MirrorOutcome {
  /** `verified` when at least one variant was verified. */
  status: MirrorStatus;
  attempt: AttemptLog;
  /** The first verified variant's, else the first variant's (one task per candidate reads only these). */
  patches?: MirrorPatches;
  statement?: string;
  verdict?: Verdict;
  failure?: { step: MirrorStep; reason: string };
  /** Every distinct usable mirror answer, in sample order, once the mirror step succeeded; more than one only with `samples` > 1. */
  variants?: MirrorVariant[];
}

/** One model call of the loop: what was asked (by template and hash), what came back, what we made of it. */
export interface ModelCallEntry extends LlmCallRecord {
  /** 0 for the first try of the step, 1 for the first retry, ... */
  try: number;
  samples: number;
  /** Transport retries the adapter needed (429, 5xx, timeouts). */
  transportRetries: number;
  /** The feedback this request carried as its last message, when it was a retry. */
  feedback?: string;
  /** Raw answer texts, one per sample. */
  answers: string[];
  /** What the answer was read as (edits, file lists, ...), per sample tried. */
  parsed: unknown[];
  /** Why the call failed, or why its answers were not usable. */
  error?: string;
  /** For the steps after the mirror step: which variant the call was for. */
  variant?: number;
}

/** One try of one step. */
export interface StepEntry {
  step: MirrorStep;
  try: number;
  outcome: 'ok' | 'retry' | 'failed';
  startedAt: string;
  durationMs: number;
  /** The failure, said as it is fed back to the model (retry/failed). */
  feedback?: string;
  /** The failure's stable code (MIRROR_TESTS_STILL_PASS, MIRROR_PRECHECK_FAILED, EDIT_SEARCH_NOT_FOUND, ...): what the yield table classifies by. */
  code?: string;
  /** Step-specific facts: files, new tests, pre-check command, verdict reasons, ... */
  details?: Record<string, unknown>;
  /** For the steps after the mirror step: which variant (distinct usable mirror answer) this entry is for. */
  variant?: number;
}

/** Everything one mirroring attempt did, for audit and yield analysis. */
export interface AttemptLog {
  schemaVersion: number;
  gym: string;
  gymCommit: string;
  source: { repo: string; number: number; url: string; issues: number[] };
  model: string;
  prompts: Array<{ name: string; version: number }>;
  budget: { retriesPerStep: number; samples: number; temperature?: number };
  startedAt: string;
  finishedAt?: string;
  status?: MirrorStatus;
  failure?: { step: MirrorStep; reason: string };
  bugPattern?: string;
  localization?: { sourceFiles: string[]; testFiles: string[]; mirrorFiles?: string[] };
  newTests?: string[];
  failingTests?: string[];
  commentsStripped?: number;
  /** Set when infrastructure trouble stopped the attempt: where, and why. */
  interrupted?: Interruption;
  /** What the attempt had finished, for a rerun to continue from (see src/mirror/checkpoint.ts). */
  checkpoint?: MirrorCheckpoint;
  /** Each time this attempt was continued after an interruption: at which step, and when. */
  resumed?: Array<{ step: MirrorStep; at: string }>;
  steps: StepEntry[];
  calls: ModelCallEntry[];
  totals: { calls: number; cachedCalls: number; inputTokens: number; outputTokens: number; costUsd: number; latencyMs: number };
}

/** Progress of the loop, for reporters. */
export type MirrorEvent =
  | { type: 'step-start'; step: MirrorStep; try: number }
  | { type: 'step-retry'; step: MirrorStep; try: number; feedback: string }
  | { type: 'step-done'; step: MirrorStep; try: number; summary: string }
  | { type: 'step-failed'; step: MirrorStep; reason: string }
  | { type: 'model-call'; step: MirrorStep; try: number; cached: boolean; costUsd: number; latencyMs: number; error?: string }
  | { type: 'finished'; status: MirrorStatus };

/** What the test step accepted. */
export interface GeneratedTests {
  testPatch: string;
  testFiles: string[];
  newTests: string[];
  /** The accepted run of the test files on the clean gym + test.patch: the fix tree, so verify's first rerun of fix. */
  cleanRun?: PriorRun;
}

/** What the mirror step accepted (one per distinct usable answer). */
export interface GeneratedMirror {
  mirrorPatch: string;
  failingTests: string[];
  commentsStripped: number;
  /** The accepted run of the test files on mirror + test.patch (comments already stripped): verify's first rerun of test. */
  mirroredRun?: PriorRun;
}

/**
 * What an attempt had finished when infrastructure trouble stopped it (endpoint down after the adapter's
 * retries, a disk error): kept in its attempt log, so a rerun continues at the step that was running,
 * without asking the model again or rerunning the checks of the steps before it.
 */
export interface MirrorCheckpoint {
  bugPattern?: string;
  localization?: { sourceFiles: string[]; testFiles: string[] };
  tests?: GeneratedTests;
  mirrorFiles?: string[];
  mirrors?: GeneratedMirror[];
}

/** Where an interrupted attempt stopped, as its log records it. */
export interface Interruption {
  step: MirrorStep;
  reason: string;
  at: string;
}

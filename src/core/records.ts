import type { TestStatus, TestStatusMap } from './tests.js';

/** Bumped whenever a stored record's shape changes; old records keep loading through migrations. */
export const RECORD_SCHEMA_VERSION = 1;

export interface LinkedIssue {
  number: number;
  title: string;
  body: string;
}

/** A merged pull request from an analogous project, with the issues it closes. */
export interface SourcePR {
  schemaVersion: number;
  /** `owner/name` (or a local name for git sources). */
  repo: string;
  number: number;
  title: string;
  body: string;
  issues: LinkedIssue[];
  /** Unified diff of the PR. */
  diff: string;
  mergedAt: string | null;
  url: string;
  /** Where it came from: github | jsonl | git. */
  origin: 'github' | 'jsonl' | 'git';
  /** Test part of the change, when the source keeps it apart from `diff` (dataset rows). */
  testPatch?: string;
}

export interface FilterVerdict {
  kept: boolean;
  /** Rule name (rule filter) or the model's reason (LLM filter). */
  reason: string;
  /** Human explanation of a rule drop, e.g. `14 code files changed (max 10)`. */
  detail?: string;
  /** Set when the LLM answer could not be used (kept is then false); the raw problem, for the record. */
  error?: string;
}

/** A (gym, source PR) pair on its way through the filters. */
export interface Candidate {
  schemaVersion: number;
  gym: string;
  source: SourcePR;
  ruleVerdict: FilterVerdict;
  llmVerdict?: FilterVerdict;
}

/** One model call as recorded: enough to audit cost and replay. */
export interface LlmCallRecord {
  step: string;
  promptTemplate: string;
  promptVersion: number;
  model: string;
  requestHash: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  latencyMs: number;
  cached: boolean;
}

export type TestState = 'run' | 'test' | 'fix';

/** One suite run in one state. */
export interface TestRun {
  state: TestState;
  repeat: number;
  tests: TestStatusMap;
  exitCode: number | null;
  durationMs: number;
  timedOut: boolean;
  outOfMemory: boolean;
  /** Stopped at its process limit (a fork bomb); absent in runs recorded before swe-mirror labelled it. */
  processLimitReached?: boolean;
  hasEvidence: boolean;
  /** What the report parser said when it found no evidence (a refused report says why). */
  warnings?: string[];
  logPath?: string;
}

/** Verification rule names, stable strings users grep for. */
export const VERIFY_RULES = [
  'sanity',
  'tests-only-add',
  'fix-fixes',
  'no-regressions',
  'no-flakiness',
  'infrastructure',
] as const;
export type VerifyRule = (typeof VERIFY_RULES)[number];

export interface VerdictReason {
  rule: VerifyRule;
  message: string;
  tests: string[];
  /** Files involved, for rules about patches (sanity). */
  files?: string[];
}

export interface PerTestStatus {
  run: TestStatus;
  test: TestStatus;
  fix: TestStatus;
}

/** Whether a task's suite runs were isolated; recorded in every verdict and task (DESIGN section 3, rule 5). */
export interface SandboxRecord {
  /** Every run went through the sandbox (bubblewrap) with every protection the runtime knows applied. */
  isolated: boolean;
  /** The user explicitly chose to run without a sandbox (--unsafe-no-sandbox or the config key `unsafeNoSandbox`). */
  unsafeNoSandbox: boolean;
  /** The protections the runtime reported missing, in its words (empty when isolated). */
  missing: string[];
  /** The runtime the suite runs used (`local`, `docker`); absent in records made before it was kept. */
  runtime?: string;
}

/** The verifier's answer for one task. */
export interface Verdict {
  schemaVersion: number;
  valid: boolean;
  reasons: VerdictReason[];
  FAIL_TO_PASS: string[];
  PASS_TO_PASS: string[];
  /** New tests that pass even with the bug (allowed unless strict). */
  newButNotFailing: string[];
  flakyTests: string[];
  quarantinedTests: string[];
  /**
   * Names only targeted reruns reported, never a full run (the gym's filesCommand names tests differently, as ava
   * does for one file): left out of the rules, the flaky record and `tests`; absent when there were none.
   */
  rerunOnlyTests?: string[];
  tests: Record<string, PerTestStatus>;
  /** Every suite run in order; `files` is set on a targeted flakiness rerun (the test files it ran). */
  runs: Array<Pick<TestRun, 'state' | 'repeat' | 'exitCode' | 'durationMs' | 'timedOut' | 'outOfMemory' | 'processLimitReached' | 'hasEvidence' | 'warnings' | 'logPath'> & { files?: string[] }>;
  runner: string;
  parser: string;
  level: 'test' | 'assertion';
  sandbox: SandboxRecord;
}

/** An accepted task: everything an export needs. */
export interface Task {
  schemaVersion: number;
  instanceId: string;
  gym: string;
  language: string;
  repo: string;
  baseCommit: string;
  mirrorPatch: string;
  testPatch: string;
  fixPatch: string;
  problemStatement: string;
  FAIL_TO_PASS: string[];
  PASS_TO_PASS: string[];
  tests: Record<string, PerTestStatus>;
  source: { repo: string; number: number; url: string; issues: number[] };
  model: string;
  costUsd: number;
  createdAt: string;
  /** How its verification runs were isolated; absent in tasks stored before swe-mirror recorded it. */
  sandbox?: SandboxRecord;
  /** Which distinct usable mirror answer of its candidate it came from (0 the first; `mirror.samples` > 1 gives more); absent means 0. */
  variant?: number;
  /** Set when `export --reverify` verified it again after its gym's commit changed: the commit it was first verified on. */
  reverifiedFrom?: string;
  /** The faithfulness judge's grade against the source PR and issue (`mirror.judge`); absent when not judged. */
  consistency?: { level: 'high' | 'moderate' | 'inconsistent' | 'unreadable'; reason: string; model: string; promptVersion: number };
}

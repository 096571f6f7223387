import type { LoadedGymSpec } from '../config/load-gym-spec.js';
import type { GymSpec } from '../config/gym-spec.js';
import type { GymSourceKind } from './gym-source.js';
import type { ProcessResult } from '../core/process.js';
import type { ParsedReport, TestStatusMap } from '../core/tests.js';

/** Baseline of a prepared gym: what its own suite does before anything is changed. */
export interface GymBaseline {
  /** Statuses of the first baseline run. */
  tests: TestStatusMap;
  runs: number;
  /** Tests whose status differed between baseline runs: excluded from verdicts, reported. */
  quarantined: string[];
  durationsMs: number[];
}

/** A gym that has been cloned/copied, checked out at its commit, installed once and baselined. */
export interface PreparedGym {
  spec: GymSpec;
  loaded: LoadedGymSpec;
  /** Hash of the spec's content: the cache key under the data directory. */
  specHash: string;
  /** The gym's directory under the data directory (holds state.json, logs/, copies/). */
  directory: string;
  /** The primary working copy (a git repository at `commit`, dependencies installed). */
  workdir: string;
  /** Full commit id the working copy is pinned to. */
  commit: string;
  /** Cache directory for build tools (GOCACHE, npm cache, ...): written at install and warm-up, read through a throw-away layer by runs. */
  cacheDirectory: string;
  /** The temp directory warmed by the first baseline run (runner caches such as jest's), shown as /tmp to every run. */
  tmpDirectory?: string;
  /** Untracked and ignored top-level paths present after install and warm-up (node_modules/, target/...): reset keeps exactly these. */
  preserved?: string[];
  baseline: GymBaseline;
  preparedAt: string;
  /** Docker gyms: the gym image (swe-mirror/<gym>:<spec hash>) every suite run starts a fresh container from. */
  image?: string;
}

/** One suite run: the process result and what the report parser read from it. */
export interface SuiteRun {
  process: ProcessResult;
  report: ParsedReport;
}

/** Progress of a preparation, for reporters. */
export type GymPrepareEvent =
  | { type: 'cached'; gym: PreparedGym }
  | { type: 'tampered'; problems: string[] }
  | { type: 'source'; kind: GymSourceKind; from: string; workdir: string }
  | { type: 'checkout'; commit: string }
  | { type: 'install'; index: number; total: number; command: string }
  | { type: 'install-done'; index: number; durationMs: number }
  | { type: 'baseline-run'; index: number; total: number; durationMs: number; passed: number; failed: number; skipped: number }
  | { type: 'quarantined'; tests: string[] }
  | { type: 'prepared'; gym: PreparedGym };

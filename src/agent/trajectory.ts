import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { SweMirrorError } from '../core/errors.js';
import type { SandboxReport } from '../evaluate/report.js';
import type { AgentMessage } from './agent-model.js';
import type { EpisodeExitReason } from './run-episode.js';
import type { FunctionTool } from './tools.js';

export const TRAJECTORY_FORMAT = 'swe-mirror-trajectory-1';

/** How the episode's patch fared on the task's hidden tests. */
export interface TrajectoryEvaluation {
  patch_applied: boolean;
  /** SWE-bench's definition: every FAIL_TO_PASS and PASS_TO_PASS test passes. */
  resolved: boolean;
  /** The paper's definition: the tests passing after the patch include every test the reference fix fixes (FAIL_TO_PASS). */
  passes_reference_fixed_tests: boolean;
  fail_to_pass: { success: string[]; failure: string[] };
  pass_to_pass: { success: string[]; failure: string[] };
  error?: { code: string; message: string };
}

/** One episode, one JSONL line of trajectories.jsonl. */
export interface TrajectoryRecord {
  format: typeof TRAJECTORY_FORMAT;
  instance_id: string;
  trial: number;
  model: string;
  temperature: number;
  tools: FunctionTool[];
  /** OpenAI chat messages; erroneous assistant turns carry `error`, the observations answering them `is_error_observation`. */
  messages: AgentMessage[];
  /** `git diff` of the agent's repository against the buggy commit. */
  patch: string;
  exit_reason: EpisodeExitReason;
  finish_message?: string;
  rounds: number;
  erroneous_turns: number;
  usage: { input_tokens: number; output_tokens: number };
  cost_usd: number;
  evaluation: TrajectoryEvaluation | null;
  /** The paper's filter: ended with finish, and passes_reference_fixed_tests. */
  success: boolean;
  overhead_ms: number;
  duration_ms: number;
  created_at: string;
  model_error?: { code: string; message: string };
  /** How the episode's commands and evaluation were isolated; `unsafe_no_sandbox` when the user opted out. */
  sandbox?: SandboxReport;
}

/** Which definition of success a filter applies. */
export type SuccessDefinition = 'paper' | 'resolved';

/** Whether a trajectory is kept: `paper` = finished and passing ⊇ the reference fix's fixed tests; `resolved` = finished and SWE-bench resolved. */
export function isSuccessful(record: TrajectoryRecord, definition: SuccessDefinition = 'paper'): boolean {
  if (record.exit_reason !== 'finished' || !record.evaluation) return false;
  return definition === 'paper' ? record.evaluation.passes_reference_fixed_tests : record.evaluation.resolved;
}

/** Read trajectories.jsonl; a missing file is an empty list when `isOptional`. */
export async function readTrajectories(file: string, options: { isOptional?: boolean } = {}): Promise<TrajectoryRecord[]> {
  if (options.isOptional && !existsSync(file)) return [];
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new SweMirrorError({ code: 'TRAJECTORIES_NOT_FOUND', kind: 'user', message: `Cannot read ${file}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}.`, hint: 'Pass the trajectories.jsonl written by `swe-mirror rollout`.', cause });
  }
  const records: TrajectoryRecord[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // A line cut short by a kill is the only way a partial line appears; it is dropped (the episode reruns).
      if (index === text.split('\n').length - 1 || text.split('\n').slice(index + 1).every((rest) => rest.trim() === '')) continue;
      throw new SweMirrorError({ code: 'TRAJECTORY_INVALID', kind: 'user', message: `${file}:${index + 1} is not valid JSON.`, hint: 'Remove or fix that line; trajectories are one JSON object per line.' });
    }
    const record = value as Partial<TrajectoryRecord>;
    if (record.format !== TRAJECTORY_FORMAT || typeof record.instance_id !== 'string' || !Array.isArray(record.messages)) {
      throw new SweMirrorError({ code: 'TRAJECTORY_INVALID', kind: 'user', message: `${file}:${index + 1} is not a ${TRAJECTORY_FORMAT} record.`, hint: 'Pass trajectories written by `swe-mirror rollout`.' });
    }
    records.push(record as TrajectoryRecord);
  }
  return records;
}

#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { describeError, isSweMirrorError } from '../core/errors.js';
import { register as registerGym } from './gym.js';
import { register as registerVerify } from './verify.js';
import { register as registerMirror } from './mirror.js';
import { register as registerCollect } from './collect.js';
import { register as registerRun } from './run.js';
import { register as registerStatus } from './status.js';
import { register as registerExport } from './export.js';
import { register as registerStats } from './stats.js';
import { register as registerValidateExport } from './validate-export.js';
import { register as registerView } from './view.js';
import { register as registerEvaluate } from './evaluate.js';
import { register as registerRollout } from './rollout.js';
import { register as registerTrajectories } from './trajectories.js';
import { register as registerSftExport } from './sft-export.js';
import { register as registerParseLog } from './parse-log.js';
import { register as registerWorker } from './worker.js';
import { register as registerJudge } from './judge.js';

/** Build the CLI program; exported so tests can drive it in-process. */
export function buildProgram(): Command {
  const program = new Command('swe-mirror')
    .description('Mirror real merged pull requests into verifiable issue-resolving tasks.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  for (const register of [
    registerGym,
    registerVerify,
    registerMirror,
    registerCollect,
    registerRun,
    registerStatus,
    registerExport,
    registerStats,
    registerJudge,
    registerValidateExport,
    registerEvaluate,
    registerRollout,
    registerTrajectories,
    registerSftExport,
    registerParseLog,
    registerWorker,
    registerView,
  ]) {
    register(program);
  }
  return program;
}

/** Exit codes: 0 ok, 1 the work ran but its result is negative (e.g. invalid task), 2 user error, 3 infrastructure/internal. */
async function main(): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    process.stderr.write(`swe-mirror: ${describeError(error)}\n`);
    if (isSweMirrorError(error)) {
      if (error.kind === 'internal' || process.env.SWE_MIRROR_DEBUG) process.stderr.write(`${error.stack ?? ''}\n`);
      process.exitCode = error.kind === 'user' ? 2 : 3;
    } else {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? '') : ''}\n(internal error: please report it)\n`);
      process.exitCode = 3;
    }
  }
}

await main();

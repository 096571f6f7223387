import path from 'node:path';
import type { AgentModel } from '../agent/agent-model.js';
import { createOpenAiAgentModel } from '../agent/openai-agent-model.js';
import { runRolloutEpisode } from '../agent/rollout.js';
import { toSandboxReport } from '../evaluate/report.js';
import { decideSandbox } from '../pipeline/sandbox-policy.js';
import { exportedGymFor } from './evaluate-processor.js';
import { runtimeFor, type WorkerContext } from './mirror-processor.js';
import { rateLimitKey, takeModelToken } from './model-rate-limit.js';
import { ROLLOUT_JOB_SCHEMA_VERSION, type RolloutJobData, type RolloutJobResult } from './rollout-job.js';

/**
 * The job's model endpoint with this worker's API key (from its own environment, by the variable the job
 * names). Every request waits for a token of the queue-wide bucket when the job carries a rate limit.
 * No answer cache: at temperature > 0 the trials of one task send the same first request and must each get their own sample.
 */
function agentModelFor(context: WorkerContext, data: RolloutJobData): AgentModel {
  const apiKey = (context.environment ?? process.env)[data.model.apiKeyEnv];
  const model = createOpenAiAgentModel({ model: data.model.name, ...(data.model.baseUrl ? { baseUrl: data.model.baseUrl } : {}), ...(apiKey ? { apiKey } : {}) });
  const limit = data.model.rateLimit;
  if (!limit) return model;
  const key = rateLimitKey(context.prefix, model.id);
  return {
    id: model.id,
    async complete(request) {
      await takeModelToken(context.redis, key, limit);
      return model.complete(request);
    },
  };
}

/**
 * Run one rollout episode as a local `swe-mirror rollout` does (runRolloutEpisode on the exported gym, rebuilt
 * here from the job's files and prepared once per worker), sandboxed as this worker decides: a job cannot
 * switch the sandbox off, only the worker's own --unsafe-no-sandbox can, and the record carries the worker's sandbox.
 */
export async function processRolloutJob(data: RolloutJobData, context: WorkerContext, jobId: string): Promise<RolloutJobResult> {
  const decision = await decideSandbox({ command: 'worker', unsafeNoSandbox: context.unsafeNoSandbox, isReplayedModel: false });
  const runtime = runtimeFor(context, decision);
  const exported = await exportedGymFor(context, data, runtime.base);
  const missing = (await runtime.base.describeProtections()).missing;
  const record = await runRolloutEpisode({
    exported,
    task: { ...data.task, line: 0 },
    trial: data.trial,
    problemStatement: data.problemStatement,
    model: agentModelFor(context, data),
    // The agent's commands run as they come; the evaluation's suite counts against the worker's --tests.
    runtime: runtime.base,
    evaluationRuntime: runtime.limited,
    sandbox: toSandboxReport({ isolated: missing.length === 0, unsafeNoSandbox: decision.record.unsafeNoSandbox, missing }),
    settings: data.settings,
    // The pid too: a worker taken for dead while still running must not share a folder with the one that re-runs the job.
    episodeDirectory: path.join(context.dataDirectory, 'queue-episodes', `${jobId}-${process.pid}`),
  });
  return { schemaVersion: ROLLOUT_JOB_SCHEMA_VERSION, kind: 'rollout', record, worker: context.workerName };
}

import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { LoadedRunConfig } from '../config/run-config.js';
import { SweMirrorError } from '../core/errors.js';
import type { ChatModel } from '../core/model.js';
import type { PreparedGym } from '../gym/types.js';
import { buildJudgePrompt } from '../judge/judge-task.js';
import { resolveModelConfig, type ModelFlags } from '../llm/model-config.js';
import { describeModelPrice } from '../llm/prices.js';
import { distillValues } from '../mirror/distill.js';
import { formatIssueText, formatRepositoryTree, listTrackedFiles, loadStyleExamples } from '../mirror/repository-context.js';
import { collectIntoStore } from '../pipeline/collect-into-store.js';
import type { PipelineReporter } from '../pipeline/events.js';
import { prepareGyms } from '../pipeline/prepare-gyms.js';
import { ensureWritableDirectory } from '../pipeline/writable-directory.js';
import { lockRunState } from '../pipeline/run-pipeline.js';
import { loadPromptTemplate, renderPromptTemplate } from '../prompts/templates.js';
import { createLocalRuntime } from '../runtime/local.js';
import { buildMirrorabilityMessages } from '../sources/llm-filter.js';
import { readGymContext } from '../sources/gym-context.js';
import { Store, type StoredCandidate } from '../store/store.js';
import { CHARACTERS_PER_TOKEN, DEFAULT_CALLS_PER_CANDIDATE, DEFAULT_OUTPUT_TOKENS, ESTIMATED_STEPS, priceRun, type EstimatedStep, type RunEstimate, type StepProfile } from './estimate.js';
import { readRecordedSpend } from './run-stop.js';

/** Below this many earlier (uncached) calls of a step in the store, its figures are not taken from history. */
const MINIMUM_HISTORY_CALLS = 3;
const FILES_PER_PROMPT = 3;
const FILE_LIMIT_CHARS = 20_000;

/** A model that refuses every call: an estimate must not spend anything (a github source's keyword step is refused with this). */
const REFUSING_MODEL: ChatModel = {
  id: 'estimate',
  complete: () => {
    throw new SweMirrorError({
      code: 'ESTIMATE_NO_MODEL_CALLS',
      kind: 'user',
      message: '`run --estimate` makes no model call, but collecting this source needs one (GitHub keyword search).',
      hint: 'Collect first (`swe-mirror collect`), then estimate; or estimate with jsonl/git sources.',
    });
  },
};

const tokens = (text: string) => Math.ceil(text.length / CHARACTERS_PER_TOKEN);
const promptTokens = (messages: ReadonlyArray<{ content: string }>) => messages.reduce((sum, message) => sum + tokens(message.content), 0);
const mean = (values: number[]) => (values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length);

/** A typical size of the source files a localization picks: the mean tracked text file under the per-file prompt limit. */
async function typicalFileChars(gym: PreparedGym, files: string[]): Promise<number> {
  const sizes: number[] = [];
  for (const file of files.slice(0, 400)) {
    const size = await stat(path.join(gym.workdir, file)).then((info) => info.size, () => 0);
    if (size > 0 && size < 200_000) sizes.push(Math.min(size, FILE_LIMIT_CHARS));
  }
  return mean(sizes);
}

/** Input tokens of every step for one sampled candidate: exact renders where the prompt depends only on the PR and gym, assumed model outputs elsewhere. */
async function sampleInputTokens(gym: PreparedGym, candidate: StoredCandidate, cache: Map<string, { tree: string; fileChars: number; style: string }>): Promise<Record<EstimatedStep, number>> {
  let gymFacts = cache.get(gym.spec.name);
  if (!gymFacts) {
    const files = await listTrackedFiles(gym.workdir);
    gymFacts = { tree: formatRepositoryTree(files), fileChars: await typicalFileChars(gym, files), style: await loadStyleExamples(gym.workdir) };
    cache.set(gym.spec.name, gymFacts);
  }
  const language = gym.spec.language;
  const assumed = (step: EstimatedStep) => 'x'.repeat(DEFAULT_OUTPUT_TOKENS[step] * CHARACTERS_PER_TOKEN);
  const bugPattern = assumed('distill');
  const testPatch = assumed('test-generate');
  const files = 'x'.repeat(Math.round(gymFacts.fileChars * FILES_PER_PROMPT));
  const render = (name: string, values: Record<string, string>) => promptTokens(renderPromptTemplate(loadPromptTemplate(name), values).messages);
  const globs = gym.spec.testFiles.join(', ');
  const filter = await buildMirrorabilityMessages(candidate.source, await readGymContext(gym.loaded));
  return {
    'filter-mirrorability': promptTokens(filter.messages),
    distill: render('distill', distillValues(candidate.source, language)),
    'test-localize': render('test-localize', { language, bug_pattern: bugPattern, repo_tree: gymFacts.tree, test_globs: globs }),
    'test-generate': render('test-generate', { language, bug_pattern: bugPattern, files, test_globs: globs }),
    'mirror-localize': render('mirror-localize', { language, bug_pattern: bugPattern, test_patch: testPatch, repo_tree: gymFacts.tree, test_globs: globs }),
    'mirror-generate': render('mirror-generate', { language, bug_pattern: bugPattern, test_patch: testPatch, failing_tests: '- a new test', files, test_globs: globs }),
    statement: render('statement', { repo_name: gym.spec.name, language, issue_text: formatIssueText(candidate.source), test_patch: testPatch, fix_patch: assumed('mirror-generate'), style_examples: gymFacts.style }),
    'judge-faithfulness': promptTokens(
      buildJudgePrompt(
        { gym: gym.spec.name, language, problemStatement: assumed('statement'), fixPatch: assumed('mirror-generate'), testPatch } as Parameters<typeof buildJudgePrompt>[0],
        candidate.source,
      ).messages,
    ),
  };
}

/** Per-step history from this store's earlier uncached calls: mean tokens per call and calls per candidate that made the step. */
function readHistory(store: Store): Map<string, { calls: number; inputTokens: number; outputTokens: number; callsPerCandidate: number }> {
  const rows = store.database
    .prepare(
      `SELECT step, COUNT(*) AS calls, AVG(input_tokens) AS inputTokens, AVG(output_tokens) AS outputTokens,
              COUNT(*) * 1.0 / COUNT(DISTINCT candidate_id) AS callsPerCandidate
       FROM model_calls WHERE cached = 0 AND candidate_id IS NOT NULL GROUP BY step`,
    )
    .all() as Array<{ step: string; calls: number; inputTokens: number; outputTokens: number; callsPerCandidate: number }>;
  return new Map(rows.map((row) => [row.step, row]));
}

function readFilterKeepRate(store: Store): RunEstimate['filterKeepRate'] {
  const row = store.database
    .prepare(`SELECT SUM(stage != 'rejected-by-llm') AS kept, COUNT(*) AS judged FROM candidates WHERE llm_verdict_json IS NOT NULL`)
    .get() as { kept: number | null; judged: number };
  return row.judged >= MINIMUM_HISTORY_CALLS ? { value: (row.kept ?? 0) / row.judged, source: 'history' } : { value: 1, source: 'assumed' };
}

/**
 * `run --estimate`: prepare the gyms and collect the candidates (neither calls the model), render the prompts of a sample
 * of pending candidates to count their input tokens, take output sizes and retry rates from this store's earlier calls
 * where there are enough, else from stated defaults, and price the whole run. Nothing is sent to the model.
 */
export async function estimateRun(input: { loaded: LoadedRunConfig; reporter: PipelineReporter; modelFlags?: ModelFlags; dataDirectory?: string; sampleSize?: number }): Promise<RunEstimate> {
  const { loaded, reporter } = input;
  const config = loaded.config;
  const modelConfig = resolveModelConfig({ flags: input.modelFlags ?? {}, file: config.model, fileSource: loaded.configPath });
  const described = describeModelPrice(modelConfig.model, modelConfig.prices);
  ensureWritableDirectory(loaded.outputDirectory, 'The output directory');
  ensureWritableDirectory(path.dirname(loaded.storePath), 'The store directory');
  const locks = lockRunState({ storePath: loaded.storePath, outputDirectory: loaded.outputDirectory, command: 'swe-mirror run --estimate' });
  const store = Store.open(loaded.storePath);
  try {
    const dataDirectory = input.dataDirectory ?? (config.dataDir ? loaded.resolvePath(config.dataDir) : undefined);
    const gyms = await prepareGyms({ specPaths: loaded.gymSpecPaths, store, runtime: createLocalRuntime({ sandbox: 'auto' }), ...(dataDirectory ? { dataDirectory } : {}), reporter });
    await collectIntoStore({ loaded, gyms, store, model: REFUSING_MODEL, reporter });
    const toFilter = config.filter.llm ? store.candidatesAt('pending-llm-filter').filter((candidate) => gyms.has(candidate.gym)) : [];
    const perGymCap = config.mirror.maxCandidatesPerGym;
    const toMirror = store.candidatesAt('pending-mirror').filter((candidate) => gyms.has(candidate.gym));
    const capped = (list: StoredCandidate[]) => (perGymCap === undefined ? list.length : [...gyms.keys()].reduce((sum, gym) => sum + Math.min(perGymCap, list.filter((candidate) => candidate.gym === gym).length), 0));
    const pool = [...toFilter, ...toMirror];
    const sampleSize = input.sampleSize ?? 20;
    // An even spread over the pool, so every gym and source is represented.
    const sample = pool.filter((_, index) => pool.length <= sampleSize || index % Math.ceil(pool.length / sampleSize) === 0).slice(0, sampleSize);
    const facts = new Map<string, { tree: string; fileChars: number; style: string }>();
    const sampled: Array<Record<EstimatedStep, number>> = [];
    for (const candidate of sample) sampled.push(await sampleInputTokens(gyms.get(candidate.gym) as PreparedGym, candidate, facts));
    const history = readHistory(store);
    const isJudged = config.mirror.judge || config.mirror.minConsistency !== undefined;
    const steps = ESTIMATED_STEPS.filter((step) => (step !== 'filter-mirrorability' || config.filter.llm) && (step !== 'judge-faithfulness' || isJudged));
    const profiles: StepProfile[] = steps.map((step) => {
      const past = history.get(step);
      const hasHistory = past !== undefined && past.calls >= MINIMUM_HISTORY_CALLS;
      const sampledInput = mean(sampled.map((entry) => entry[step]));
      const calls = hasHistory ? past.callsPerCandidate : DEFAULT_CALLS_PER_CANDIDATE[step];
      return {
        step,
        // Rendered prompts are exact for the filter and distill; the later steps' rendered sizes include assumed model outputs, so history wins there.
        inputTokensPerCall: hasHistory && !['filter-mirrorability', 'distill'].includes(step) ? past.inputTokens : sampled.length > 0 ? sampledInput : (past?.inputTokens ?? 0),
        outputTokensPerCall: hasHistory ? past.outputTokens / Math.max(1, step === 'filter-mirrorability' || step === 'judge-faithfulness' ? 1 : config.mirror.samples) : DEFAULT_OUTPUT_TOKENS[step],
        callsPerCandidate: step === 'filter-mirrorability' ? 1 : calls,
        source: {
          input: hasHistory && !['filter-mirrorability', 'distill'].includes(step) ? 'history' : sampled.length > 0 ? 'sample' : 'assumed',
          output: hasHistory ? 'history' : 'assumed',
          calls: hasHistory && step !== 'filter-mirrorability' ? 'history' : 'assumed',
        },
      };
    });
    return priceRun({
      model: modelConfig.model,
      price: described.price,
      priceSource: described.source,
      profiles,
      toFilter: capped(toFilter),
      toMirror: capped(toMirror),
      sampled: sample.length,
      filterKeepRate: readFilterKeepRate(store),
      samples: config.mirror.samples,
      spentUsd: readRecordedSpend(store).totalUsd,
      ...(config.limits.maxCostUsd === undefined ? {} : { maxCostUsd: config.limits.maxCostUsd }),
    });
  } finally {
    store.close();
    for (const lock of locks.reverse()) lock.release();
  }
}

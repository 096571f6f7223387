import type { ModelPrice } from '../llm/prices.js';

/** Characters per token for prompts measured before any call: the usual rule of thumb for English and code (~±25%). */
export const CHARACTERS_PER_TOKEN = 4;

/** Model steps a candidate goes through, in order; `filter-mirrorability` and `judge-faithfulness` only when enabled. */
export const ESTIMATED_STEPS = ['filter-mirrorability', 'distill', 'test-localize', 'test-generate', 'mirror-localize', 'mirror-generate', 'statement', 'judge-faithfulness'] as const;
export type EstimatedStep = (typeof ESTIMATED_STEPS)[number];

/**
 * Assumptions used where neither a rendered prompt nor earlier calls in the store say better: output tokens per sample,
 * and calls per candidate (1 = right the first time; the generate steps are retried most). Measured on the demo's answers.
 */
export const DEFAULT_OUTPUT_TOKENS: Record<EstimatedStep, number> = {
  'filter-mirrorability': 60,
  distill: 400,
  'test-localize': 100,
  'test-generate': 900,
  'mirror-localize': 80,
  'mirror-generate': 700,
  statement: 350,
  'judge-faithfulness': 80,
};
export const DEFAULT_CALLS_PER_CANDIDATE: Record<EstimatedStep, number> = {
  'filter-mirrorability': 1,
  distill: 1,
  'test-localize': 1,
  'test-generate': 1.5,
  'mirror-localize': 1,
  'mirror-generate': 1.5,
  statement: 1.1,
  'judge-faithfulness': 1,
};

/** One step's figures per candidate that reaches it, and where each figure came from. */
export interface StepProfile {
  step: EstimatedStep;
  inputTokensPerCall: number;
  outputTokensPerCall: number;
  callsPerCandidate: number;
  /** `sample`: prompts rendered for sampled candidates; `history`: this store's earlier calls; `assumed`: the defaults above. */
  source: { input: 'sample' | 'history' | 'assumed'; output: 'history' | 'assumed'; calls: 'history' | 'assumed' };
}

export interface RunEstimate {
  model: string;
  price: { inputPerMillion: number; outputPerMillion: number; checkedOn?: string; source: 'config' | 'built-in' | 'unknown' };
  candidates: { toFilter: number; toMirror: number; sampled: number };
  /** Share of filtered candidates expected to reach mirroring (1 without history: an upper bound). */
  filterKeepRate: { value: number; source: 'history' | 'assumed' };
  steps: Array<StepProfile & { candidates: number; tokens: number; costUsd: number }>;
  totalTokens: number;
  totalUsd: number;
  spentUsd: number;
  maxCostUsd?: number;
  /** With a cap: whether the estimate fits in what is left of it, and how many candidates it would cover if not. */
  fits?: boolean;
  candidatesWithinCap?: number;
}

/** Price a run from per-step profiles (pure): candidates reaching each step × calls × tokens × price. */
export function priceRun(input: {
  model: string;
  price: ModelPrice | undefined;
  priceSource: 'config' | 'built-in' | 'unknown';
  profiles: StepProfile[];
  toFilter: number;
  toMirror: number;
  sampled: number;
  filterKeepRate: RunEstimate['filterKeepRate'];
  samples: number;
  spentUsd: number;
  maxCostUsd?: number;
}): RunEstimate {
  const price = input.price ?? { inputPerMillion: 0, outputPerMillion: 0 };
  const reachingMirror = input.toMirror + input.toFilter * input.filterKeepRate.value;
  const steps = input.profiles.map((profile) => {
    const candidates = profile.step === 'filter-mirrorability' ? input.toFilter : reachingMirror;
    // A call with n samples reads its prompt once and writes n answers; the filter and the judge ask for one.
    const samples = profile.step === 'filter-mirrorability' || profile.step === 'judge-faithfulness' ? 1 : input.samples;
    const calls = candidates * profile.callsPerCandidate;
    const inputTokens = calls * profile.inputTokensPerCall;
    const outputTokens = calls * profile.outputTokensPerCall * samples;
    const costUsd = (inputTokens * price.inputPerMillion + outputTokens * price.outputPerMillion) / 1_000_000;
    return { ...profile, candidates, tokens: Math.round(inputTokens + outputTokens), costUsd };
  });
  const totalUsd = steps.reduce((sum, step) => sum + step.costUsd, 0);
  const estimate: RunEstimate = {
    model: input.model,
    price: { ...price, source: input.priceSource },
    candidates: { toFilter: input.toFilter, toMirror: input.toMirror, sampled: input.sampled },
    filterKeepRate: input.filterKeepRate,
    steps,
    totalTokens: steps.reduce((sum, step) => sum + step.tokens, 0),
    totalUsd,
    spentUsd: input.spentUsd,
  };
  if (input.maxCostUsd !== undefined) {
    const left = Math.max(input.maxCostUsd - input.spentUsd, 0);
    const candidates = input.toFilter + input.toMirror;
    estimate.maxCostUsd = input.maxCostUsd;
    estimate.fits = totalUsd <= left;
    estimate.candidatesWithinCap = totalUsd === 0 ? candidates : Math.min(candidates, Math.floor((left / totalUsd) * candidates));
  }
  return estimate;
}

function usd(value: number): string {
  return `$${value.toFixed(value < 1 ? 4 : 2)}`;
}

/** The estimate as text for people. */
export function renderEstimate(estimate: RunEstimate): string[] {
  const price = estimate.price;
  const priceLine =
    price.source === 'unknown'
      ? `Price: none known for ${estimate.model}: every call counts as $0 (set model.prices in the config for a hosted model).`
      : `Price: ${estimate.model} $${price.inputPerMillion}/M input, $${price.outputPerMillion}/M output (${price.source === 'config' ? 'from the config' : 'built-in table'}${price.checkedOn ? `, read ${price.checkedOn}` : ', date unknown'}).`;
  const lines = [
    `Estimate before any model call: ${estimate.candidates.toFilter} candidate(s) to filter, ${estimate.candidates.toMirror} to mirror; prompts rendered for ${estimate.candidates.sampled} sampled candidate(s).`,
    priceLine,
    `Filter keeps ${(estimate.filterKeepRate.value * 100).toFixed(0)}% (${estimate.filterKeepRate.source === 'history' ? 'as in this store so far' : 'assumed: an upper bound'}).`,
    'step                  candidates  calls/cand  in tok/call  out tok/call  tokens      cost      (sources: input/output/calls)',
  ];
  for (const step of estimate.steps) {
    lines.push(
      `${step.step.padEnd(22)}${step.candidates.toFixed(0).padStart(10)}  ${step.callsPerCandidate.toFixed(2).padStart(10)}  ${String(Math.round(step.inputTokensPerCall)).padStart(11)}  ${String(Math.round(step.outputTokensPerCall)).padStart(12)}  ${String(step.tokens).padStart(10)}  ${usd(step.costUsd).padStart(9)}  (${step.source.input}/${step.source.output}/${step.source.calls})`,
    );
  }
  lines.push(`Total: about ${estimate.totalTokens.toLocaleString('en-US')} tokens, ${usd(estimate.totalUsd)} (already spent in this store: ${usd(estimate.spentUsd)}).`);
  if (estimate.maxCostUsd !== undefined) {
    lines.push(
      estimate.fits
        ? `Fits in limits.maxCostUsd ${usd(estimate.maxCostUsd)}.`
        : `Exceeds limits.maxCostUsd ${usd(estimate.maxCostUsd)}: the run would stop after about ${estimate.candidatesWithinCap} of ${estimate.candidates.toFilter + estimate.candidates.toMirror} candidates (resumable after raising it).`,
    );
  }
  return lines;
}

import { describe, expect, it } from 'vitest';
import { BudgetGuard, BUDGET_CANDIDATE_CAP, BUDGET_REACHED } from '../../src/budget/budget-guard.js';
import { limitsSchema } from '../../src/budget/budget-config.js';
import { ProgressCounts, formatUsageLine, projectRemainingCostUsd } from '../../src/pipeline/progress-lines.js';

const codeOf = (action: () => void): string | undefined => {
  try {
    action();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('BudgetGuard', () => {
  it('stops one gym at its cap while the others go on, counting spend recorded before this run', () => {
    const limits = limitsSchema.parse({ maxCostUsdPerGym: 5, gyms: { big: { maxCostUsd: 50 } } });
    const guard = new BudgetGuard(limits, { totalUsd: 4, byGymUsd: new Map([['small', 4]]) });
    expect(guard.canStart('small')).toBe(true);
    guard.beforeCall({ gym: 'small', candidateId: 1 }, 'distill');
    guard.afterCall({ gym: 'small', candidateId: 1 }, 'distill', { inputTokens: 10, outputTokens: 10, costUsd: 1.5 });
    expect(guard.canStart('small')).toBe(false);
    expect(codeOf(() => guard.beforeCall({ gym: 'small', candidateId: 2 }, 'distill'))).toBe(BUDGET_REACHED);
    guard.afterCall({ gym: 'big', candidateId: 3 }, 'distill', { inputTokens: 10, outputTokens: 10, costUsd: 20 });
    expect(guard.canStart('big')).toBe(true);
    expect(guard.stop).toMatchObject({ limit: 'maxCostUsdPerGym', gym: 'small', limitUsd: 5 });
    expect(guard.stoppedGymNames()).toEqual(['small']);
    expect(guard.spentUsd()).toBe(25.5);
  });

  it('refuses a candidate past its call cap and a step past its token budget as model-kind errors, recording which', () => {
    const guard = new BudgetGuard(limitsSchema.parse({ maxCallsPerCandidate: 2, maxTokensPerStep: { 'test-generate': 100 } }));
    const scope = { gym: 'g', candidateId: 7 };
    guard.beforeCall(scope, 'test-generate');
    guard.afterCall(scope, 'test-generate', { inputTokens: 90, outputTokens: 20, costUsd: 0 });
    expect(codeOf(() => guard.beforeCall(scope, 'test-generate'))).toBe(BUDGET_CANDIDATE_CAP);
    expect(guard.hitOf(7)).toMatchObject({ rule: 'budget-tokens', step: 'test-generate' });
    guard.beforeCall(scope, 'distill');
    expect(codeOf(() => guard.beforeCall(scope, 'statement'))).toBe(BUDGET_CANDIDATE_CAP);
    expect(guard.hitOf(7)).toMatchObject({ rule: 'budget-calls' });
    // Other candidates and collection-level calls are not affected.
    guard.beforeCall({ gym: 'g', candidateId: 8 }, 'test-generate');
    guard.beforeCall({ gym: 'g', candidateId: null }, 'collect-keywords');
  });
});

describe('the live view: spend and the projected cost of what is left', () => {
  it('projects the running stage from its spend per finished item, and shows earlier spend against the cap', () => {
    const progress = new ProgressCounts();
    progress.apply({ type: 'budget', spentUsd: 0.5, maxCostUsd: 10 }, 0);
    progress.apply({ type: 'stage-start', stage: 'mirror', total: 10 }, 0);
    for (let index = 0; index < 2; index += 1) {
      progress.apply({ type: 'item-start', stage: 'mirror', item: `c${index}` }, 0);
      progress.apply({ type: 'model-usage', inputTokens: 100, outputTokens: 50, costUsd: 0.25, cached: false }, 0);
      progress.apply({ type: 'item-done', stage: 'mirror', item: `c${index}`, outcome: 'ok' }, 0);
    }
    expect(projectRemainingCostUsd(progress)).toBeCloseTo(2);
    expect(formatUsageLine(progress, 200)).toBe('model   2 calls  300 tokens  $1.0000 of $10.00 spent ($0.5000 in earlier runs)  ~$2.0000 to finish');
    progress.apply({ type: 'stage-done', stage: 'mirror', summary: '' }, 0);
    expect(projectRemainingCostUsd(progress)).toBeUndefined();
  });
});

describe('a spend cap on a model without a known price', () => {
  it('is warned about at the start of a run (live endpoints only)', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const { loadRunConfig } = await import('../../src/config/run-config.js');
    const { unpricedModel } = await import('../../src/pipeline/run-pipeline.js');
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-unpriced-'));
    const write = async (lines: string[]) => {
      const file = path.join(directory, 'swe-mirror.yaml');
      await writeFile(file, ['gyms: [gym.yaml]', 'sources: [{ type: jsonl, path: prs.jsonl }]', ...lines].join('\n'));
      return loadRunConfig(file);
    };
    expect(unpricedModel({ loaded: await write(['model: { provider: openai, model: my-local-llama, baseUrl: "http://127.0.0.1:1/v1" }', 'limits: { maxCostUsd: 5 }']) })).toBe('my-local-llama');
    expect(unpricedModel({ loaded: await write(['model: { provider: openai, model: my-local-llama, prices: { inputPerMillion: 1, outputPerMillion: 1 } }', 'limits: { maxCostUsd: 5 }']) })).toBeUndefined();
    expect(unpricedModel({ loaded: await write(['model: { provider: openai, model: gpt-4o-mini }', 'limits: { gyms: { a: { maxCostUsd: 1 } } }']) })).toBeUndefined();
    expect(unpricedModel({ loaded: await write(['model: { provider: openai, model: my-local-llama }', 'limits: { maxCallsPerCandidate: 5 }']) })).toBeUndefined();
    expect(unpricedModel({ loaded: await write(['model: { provider: replay, replayFile: r.jsonl }', 'limits: { maxCostUsd: 5 }']) })).toBeUndefined();
  });
});

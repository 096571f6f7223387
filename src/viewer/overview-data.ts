import { measurePatch } from '../dataset/fix-content.js';
import { computeLanguageStats, type LanguageStats } from '../dataset/stats.js';
import { readFunnel, type Funnel } from '../store/funnel.js';
import type { Store } from '../store/store.js';

/** One bar of the yield funnel: how many candidates reach a stage, and what was lost getting there. */
export interface FunnelStep {
  label: string;
  count: number;
  /** Lost between the previous step and this one, by rule. */
  losses: Array<{ rule: string; count: number; example: string | null; stage: string }>;
  /** Still waiting before this step (a run that stopped early). */
  pending: number;
}

/** A histogram of one measure over the tasks, in at most 12 equal-width bins from its lowest to its highest value. */
export interface Distribution {
  label: string;
  bins: Array<{ from: number; to: number; count: number }>;
}

export interface Overview {
  languages: LanguageStats[];
  funnel: Funnel;
  steps: FunnelStep[];
  distributions: Distribution[];
}

const MAX_BINS = 12;

/** Bin integer values: unit-wide bins when the range is small, wider ones otherwise. */
export function histogram(label: string, values: number[]): Distribution {
  if (values.length === 0) return { label, bins: [] };
  const lowest = Math.min(...values);
  const highest = Math.max(...values);
  const width = Math.ceil((highest - lowest + 1) / MAX_BINS);
  const count = Math.floor((highest - lowest) / width) + 1;
  const bins = Array.from({ length: count }, (_, index) => ({ from: lowest + index * width, to: lowest + (index + 1) * width - 1, count: 0 }));
  for (const value of values) {
    const bin = bins[Math.floor((value - lowest) / width)];
    if (bin) bin.count += 1;
  }
  return { label, bins };
}

/** Every loss, grouped by the stage it happened at and its rule. */
function readLosses(store: Store): Array<{ stage: string; rule: string; count: number; example: string | null }> {
  return store.database
    .prepare(
      `SELECT loss_stage AS stage, COALESCE(loss_rule, '(none)') AS rule, COUNT(*) AS count, MIN(loss_reason) AS example FROM candidates
       WHERE loss_stage IS NOT NULL GROUP BY loss_stage, loss_rule ORDER BY count DESC, rule`,
    )
    .all() as Array<{ stage: string; rule: string; count: number; example: string | null }>;
}

/** The funnel as steps: collected → rules → LLM filter → mirrored → verified → unique. */
export function funnelSteps(funnel: Funnel, losses: ReturnType<typeof readLosses>): FunnelStep[] {
  const total = (stage: string): number => funnel.totals[stage] ?? 0;
  const lossesAt = (...stages: string[]): FunnelStep['losses'] => losses.filter((loss) => stages.includes(loss.stage));
  const collected = funnel.candidates;
  const afterRules = collected - total('dropped-by-rules');
  const afterLlm = afterRules - total('rejected-by-llm') - total('pending-llm-filter');
  const mirrored = afterLlm - total('mirror-failed') - total('pending-mirror');
  const verified = mirrored - total('rejected-by-verifier');
  const unique = total('verified');
  return [
    { label: 'collected', count: collected, losses: [], pending: 0 },
    { label: 'passed the rules', count: afterRules, losses: lossesAt('rules'), pending: 0 },
    { label: 'passed the LLM filter', count: afterLlm, losses: lossesAt('llm-filter'), pending: total('pending-llm-filter') },
    { label: 'mirrored', count: mirrored, losses: lossesAt('mirror-failed'), pending: total('pending-mirror') },
    { label: 'verified', count: verified, losses: lossesAt('rejected-by-verifier'), pending: 0 },
    { label: 'unique (after dedup)', count: unique, losses: lossesAt('dedup'), pending: 0 },
  ];
}

/** Everything the overview page shows, read from the store. */
export function readOverview(store: Store): Overview {
  const tasks = store.listTasks();
  const funnel = readFunnel(store);
  const measured = tasks.map((task) => measurePatch(task.fixPatch));
  return {
    languages: computeLanguageStats(tasks),
    funnel,
    steps: funnelSteps(funnel, readLosses(store)),
    distributions: [
      histogram('fix hunks', measured.map((item) => item.hunks)),
      histogram('fix lines', measured.map((item) => item.lines)),
      histogram('FAIL_TO_PASS tests', tasks.map((task) => task.FAIL_TO_PASS.length)),
      histogram('PASS_TO_PASS tests', tasks.map((task) => task.PASS_TO_PASS.length)),
    ],
  };
}

import type { ChatUsage } from '../core/model.js';

/** USD per million tokens, and the day the figures were read (YYYY-MM-DD) so a user can tell how stale they are. */
export interface ModelPrice {
  inputPerMillion: number;
  outputPerMillion: number;
  checkedOn?: string;
}

/** The day the built-in list prices were entered from the providers' published price pages (OpenAI, Anthropic). */
export const BUILT_IN_PRICES_CHECKED_ON = '2026-11-22';

/**
 * List prices (USD per million tokens) of common hosted models, each with the day it was read.
 * Prices change: override them with `prices` in the model config (with your own `checkedOn`). Unknown models
 * cost 0 (right for self-hosted endpoints such as vLLM or Ollama; a spend cap cannot hold then: see docs/budgets.md).
 */
const LIST_PRICES: Readonly<Record<string, Omit<ModelPrice, 'checkedOn'>>> = {
  'gpt-4o': { inputPerMillion: 2.5, outputPerMillion: 10 },
  'gpt-4o-mini': { inputPerMillion: 0.15, outputPerMillion: 0.6 },
  'gpt-4.1': { inputPerMillion: 2, outputPerMillion: 8 },
  'gpt-4.1-mini': { inputPerMillion: 0.4, outputPerMillion: 1.6 },
  'gpt-4.1-nano': { inputPerMillion: 0.1, outputPerMillion: 0.4 },
  'gpt-5': { inputPerMillion: 1.25, outputPerMillion: 10 },
  'gpt-5-mini': { inputPerMillion: 0.25, outputPerMillion: 2 },
  'gpt-5-nano': { inputPerMillion: 0.05, outputPerMillion: 0.4 },
  o3: { inputPerMillion: 2, outputPerMillion: 8 },
  'o4-mini': { inputPerMillion: 1.1, outputPerMillion: 4.4 },
  'claude-opus-4-1': { inputPerMillion: 15, outputPerMillion: 75 },
  'claude-opus-4': { inputPerMillion: 15, outputPerMillion: 75 },
  'claude-sonnet-4-5': { inputPerMillion: 3, outputPerMillion: 15 },
  'claude-sonnet-4': { inputPerMillion: 3, outputPerMillion: 15 },
  'claude-haiku-4-5': { inputPerMillion: 1, outputPerMillion: 5 },
  'claude-3-7-sonnet': { inputPerMillion: 3, outputPerMillion: 15 },
  'claude-3-5-haiku': { inputPerMillion: 0.8, outputPerMillion: 4 },
};

export const BUILT_IN_PRICES: Readonly<Record<string, ModelPrice>> = Object.fromEntries(
  Object.entries(LIST_PRICES).map(([name, price]) => [name, { ...price, checkedOn: BUILT_IN_PRICES_CHECKED_ON }]),
);

/** What a dated or aliased snapshot appends to a model name: `-2024-07-18`, `-20250929`, `-latest`. */
const SNAPSHOT_SUFFIX = /^-(\d|latest$|preview)/;

/**
 * Find the price of a model: an explicit override first, then the built-in entry with the
 * longest name that the model name extends by a snapshot suffix (so
 * `gpt-4o-mini-2024-07-18` finds `gpt-4o-mini`, while `gpt-4o-mini-tts` finds nothing). Returns undefined when unknown.
 */
export function findModelPrice(model: string, override?: ModelPrice): ModelPrice | undefined {
  if (override) return override;
  const name = model.includes('/') ? model.slice(model.lastIndexOf('/') + 1) : model;
  let best: string | undefined;
  for (const known of Object.keys(BUILT_IN_PRICES)) {
    const isSnapshot = name.startsWith(known) && SNAPSHOT_SUFFIX.test(name.slice(known.length));
    if ((name === known || isSnapshot) && (best === undefined || known.length > best.length)) best = known;
  }
  return best === undefined ? undefined : BUILT_IN_PRICES[best];
}

/** Where a model's price comes from, for estimates and notices: the config's override, the built-in table, or nowhere. */
export function describeModelPrice(model: string, override?: ModelPrice): { price?: ModelPrice; source: 'config' | 'built-in' | 'unknown' } {
  if (override) return { price: override, source: 'config' };
  const price = findModelPrice(model);
  return price ? { price, source: 'built-in' } : { source: 'unknown' };
}

/** Cost in USD of one call's usage at a price; 0 when the price is unknown. */
export function computeCostUsd(usage: ChatUsage, price: ModelPrice | undefined): number {
  if (!price) return 0;
  return (usage.inputTokens * price.inputPerMillion + usage.outputTokens * price.outputPerMillion) / 1_000_000;
}

import type { AgentMessage } from '../agent/agent-model.js';

/** The paper's three fine-tuning strategies. */
export const SFT_STRATEGIES = ['mask', 'prune', 'response-only'] as const;
export type SftStrategy = (typeof SFT_STRATEGIES)[number];

/** A message with the loss decision: `isTrained` is only ever true on assistant messages. */
export interface WeightedMessage {
  message: AgentMessage;
  isTrained: boolean;
}

/**
 * Plan the loss of one trajectory (pure):
 * - response-only: every message kept, every assistant turn trained;
 * - prune: an erroneous assistant turn and the observations answering it (every message up to the next assistant turn) removed, the rest trained;
 * - mask: every message kept, erroneous assistant turns untrained (no loss), the rest trained.
 */
export function applyStrategy(messages: readonly AgentMessage[], strategy: SftStrategy): WeightedMessage[] {
  const planned: WeightedMessage[] = [];
  let isPruning = false;
  for (const message of messages) {
    if (message.role === 'assistant') isPruning = strategy === 'prune' && message.error !== undefined;
    if (isPruning) continue;
    const isTrained = message.role === 'assistant' && !(strategy === 'mask' && message.error !== undefined);
    planned.push({ message, isTrained });
  }
  return planned;
}

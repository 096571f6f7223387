import { z } from 'zod';
import { MIRROR_STEPS } from '../mirror/types.js';

const stepNames = [...MIRROR_STEPS.filter((step) => step !== 'verify'), 'filter-mirrorability', 'judge-faithfulness'] as const;

/** The `limits:` section of swe-mirror.yaml: what a paying user lets one run spend (docs/budgets.md). */
export const limitsSchema = z
  .object({
    maxCostUsd: z
      .number()
      .positive()
      .optional()
      .describe('Model spend allowed for the whole run, in USD, counted over the store (earlier, resumed runs included); the run stops cleanly when it is reached.'),
    maxCostUsdPerGym: z.number().positive().optional().describe('Model spend allowed for each gym, in USD (calls made for that gym\'s candidates).'),
    gyms: z
      .record(z.string(), z.object({ maxCostUsd: z.number().positive() }).strict())
      .optional()
      .describe('Per-gym caps by gym name; win over maxCostUsdPerGym.'),
    maxCallsPerCandidate: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Model calls one candidate may make in one run (filter, every step, every retry); a candidate that reaches it is lost with rule budget-calls.'),
    maxTokensPerStep: z
      .union([z.number().int().positive(), z.partialRecord(z.enum(stepNames), z.number().int().positive())])
      .optional()
      .describe('Tokens (input + output, all tries) one step of one candidate may use: one number for every step, or per step name; the step then fails with rule budget-tokens.'),
  })
  .strict();

export type Limits = z.infer<typeof limitsSchema>;

/** Whether any limit is set (no guard is needed otherwise). */
export function hasLimits(limits: Limits | undefined): limits is Limits {
  return limits !== undefined && Object.values(limits).some((value) => value !== undefined);
}

/** The token budget of one step, if any. */
export function stepTokenLimit(limits: Limits, step: string): number | undefined {
  const setting = limits.maxTokensPerStep;
  if (setting === undefined) return undefined;
  return typeof setting === 'number' ? setting : (setting as Record<string, number | undefined>)[step];
}

/** The spend cap of one gym, if any. */
export function gymCostLimit(limits: Limits, gym: string): number | undefined {
  return limits.gyms?.[gym]?.maxCostUsd ?? limits.maxCostUsdPerGym;
}

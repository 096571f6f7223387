import { performance } from 'node:perf_hooks';
import { describeError, isSweMirrorError } from '../core/errors.js';
import type { ChatMessage, ChatModel, ChatResponse } from '../core/model.js';
import type { RenderedPrompt } from '../prompts/templates.js';
import type { AttemptLog, MirrorBudget, MirrorEvent, MirrorStep, ModelCallEntry, StepEntry } from './types.js';

/** What a step makes of one answer: a value, or feedback to send back to the model. */
export type AnswerEvaluation<T> =
  | { ok: true; value: T; parsed?: unknown; details?: Record<string, unknown>; summary?: string }
  | { ok: false; feedback: string; parsed?: unknown; details?: Record<string, unknown>; code?: string };

/** A step's value; with several samples and `distinctKey`, `others` holds the further distinct usable answers of the same try. */
export type StepResult<T> = { ok: true; value: T; others?: T[] } | { ok: false; reason: string; code?: string };

export interface StepOptions<T> {
  /**
   * Keep every usable sample of the successful try, one per distinct key (the first is `value`, the rest `others`),
   * instead of stopping at the first usable one: the mirror step's several tasks per candidate.
   */
  distinctKey?: (value: T) => string;
}

/** What every step needs: the model, the budget, and the log it writes to. */
export interface StepContext {
  model: ChatModel;
  budget: Required<Pick<MirrorBudget, 'retriesPerStep' | 'samples'>> & Pick<MirrorBudget, 'temperature'>;
  log: AttemptLog;
  emit: (event: MirrorEvent) => void;
  /** Set for the steps that run once per mirror variant; recorded in their entries. */
  variant?: number;
}

const FEEDBACK_CLOSING = 'Answer again in the same format as before, with the problem fixed.';

/** The message that carries a failure back to the model. */
export function formatFeedback(feedback: string): string {
  return `That did not work:\n\n${feedback}\n\n${FEEDBACK_CLOSING}`;
}

/**
 * Ask the model for one step, evaluate each sample, and on failure retry with the failure appended to the
 * conversation (assistant answer, then the feedback), up to `retriesPerStep` times. Every call and every
 * try lands in the attempt log. A model call that fails after the adapter's own retries (rate limit,
 * timeout) is infrastructure trouble and is thrown; a call the model itself botched ends the step.
 */
export async function runModelStep<T>(
  context: StepContext,
  step: MirrorStep,
  prompt: RenderedPrompt,
  evaluate: (answer: string, tryIndex: number) => Promise<AnswerEvaluation<T>>,
  options: StepOptions<T> = {},
): Promise<StepResult<T>> {
  const conversation: ChatMessage[] = [...prompt.messages];
  let lastFeedback: string | undefined;
  let lastCode: string | undefined;
  for (let tryIndex = 0; tryIndex <= context.budget.retriesPerStep; tryIndex += 1) {
    context.emit({ type: 'step-start', step, try: tryIndex });
    const startedAt = new Date();
    const started = performance.now();
    const entry = startCallEntry(context, step, prompt, tryIndex, lastFeedback);
    let response: ChatResponse;
    try {
      response = await context.model.complete({
        messages: [...conversation],
        step,
        attempt: tryIndex,
        ...(context.budget.samples > 1 ? { n: context.budget.samples } : {}),
        ...(context.budget.temperature === undefined ? {} : { temperature: context.budget.temperature }),
      });
    } catch (error) {
      // Only the model's own misbehaviour ends the step here; infrastructure trouble (endpoint down after
      // the adapter's retries) propagates so that a pipeline can leave the candidate for a later run.
      if (!isSweMirrorError(error) || error.kind !== 'model') {
        entry.error = `the model call failed: ${describeError(error)}`;
        context.log.calls.push(entry);
        throw error;
      }
      const reason = `the model call failed: ${describeError(error)}`;
      entry.error = reason;
      context.log.calls.push(entry);
      context.emit({ type: 'model-call', step, try: tryIndex, cached: false, costUsd: 0, latencyMs: performance.now() - started, error: reason });
      recordStep(context, { step, try: tryIndex, outcome: 'failed', startedAt: startedAt.toISOString(), durationMs: performance.now() - started, feedback: reason, code: error.code });
      context.emit({ type: 'step-failed', step, reason });
      return { ok: false, reason, code: error.code };
    }
    fillCallEntry(entry, response);
    context.log.calls.push(entry);
    addTotals(context.log, response);
    context.emit({ type: 'model-call', step, try: tryIndex, cached: response.cached, costUsd: response.costUsd, latencyMs: response.latencyMs });

    let firstFailure: Extract<AnswerEvaluation<T>, { ok: false }> | undefined;
    const usable: Array<Extract<AnswerEvaluation<T>, { ok: true }>> = [];
    const seenKeys = new Set<string>();
    const seenAnswers = new Set<string>();
    for (const answer of response.texts) {
      // An identical sample says nothing new: it is not run again.
      if (seenAnswers.has(answer)) {
        entry.parsed.push(null);
        continue;
      }
      seenAnswers.add(answer);
      let evaluation: AnswerEvaluation<T>;
      try {
        evaluation = await evaluate(answer, tryIndex);
      } catch (error) {
        // A model-caused error that escaped the step's own handling is still feedback, not a crash.
        if (!isSweMirrorError(error) || error.kind !== 'model') throw error;
        evaluation = { ok: false, feedback: describeError(error), code: error.code };
      }
      entry.parsed.push(evaluation.parsed ?? null);
      if (evaluation.ok) {
        const key = options.distinctKey?.(evaluation.value);
        if (key !== undefined && seenKeys.has(key)) continue;
        if (key !== undefined) seenKeys.add(key);
        usable.push(evaluation);
        if (options.distinctKey === undefined) break;
        continue;
      }
      firstFailure ??= evaluation;
    }
    const [first, ...others] = usable;
    if (first) {
      recordStep(context, {
        step,
        try: tryIndex,
        outcome: 'ok',
        startedAt: startedAt.toISOString(),
        durationMs: performance.now() - started,
        ...(first.details || others.length > 0 ? { details: { ...(first.details ?? {}), ...(others.length > 0 ? { distinctUsableSamples: usable.length } : {}) } } : {}),
      });
      context.emit({ type: 'step-done', step, try: tryIndex, summary: `${first.summary ?? 'ok'}${others.length > 0 ? ` (+${others.length} more distinct usable sample${others.length === 1 ? '' : 's'})` : ''}` });
      return { ok: true, value: first.value, ...(others.length > 0 ? { others: others.map((evaluation) => evaluation.value) } : {}) };
    }
    const failure = firstFailure ?? { ok: false as const, feedback: 'The answer was empty.' };
    entry.error = failure.feedback;
    lastFeedback = failure.feedback;
    lastCode = failure.code;
    const isLastTry = tryIndex === context.budget.retriesPerStep;
    recordStep(context, {
      step,
      try: tryIndex,
      outcome: isLastTry ? 'failed' : 'retry',
      startedAt: startedAt.toISOString(),
      durationMs: performance.now() - started,
      feedback: failure.feedback,
      ...(failure.code ? { code: failure.code } : {}),
      ...(failure.details ? { details: failure.details } : {}),
    });
    if (isLastTry) break;
    context.emit({ type: 'step-retry', step, try: tryIndex, feedback: failure.feedback });
    conversation.push({ role: 'assistant', content: response.texts[0] ?? '' });
    conversation.push({ role: 'user', content: formatFeedback(failure.feedback) });
  }
  const tries = context.budget.retriesPerStep + 1;
  const reason = `no usable answer after ${tries} ${tries === 1 ? 'try' : 'tries'}; last problem: ${lastFeedback ?? 'unknown'}`;
  context.emit({ type: 'step-failed', step, reason });
  return { ok: false, reason, ...(lastCode ? { code: lastCode } : {}) };
}

/** Record a step that does not talk to the model (verification). */
export function recordStep(context: Pick<StepContext, 'log' | 'variant'>, entry: StepEntry): void {
  context.log.steps.push(context.variant === undefined ? entry : { ...entry, variant: context.variant });
}

function startCallEntry(context: StepContext, step: MirrorStep, prompt: RenderedPrompt, tryIndex: number, feedback: string | undefined): ModelCallEntry {
  return {
    step,
    promptTemplate: prompt.template,
    promptVersion: prompt.version,
    model: context.model.id,
    requestHash: '',
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    latencyMs: 0,
    cached: false,
    try: tryIndex,
    samples: context.budget.samples,
    transportRetries: 0,
    ...(feedback === undefined ? {} : { feedback }),
    ...(context.variant === undefined ? {} : { variant: context.variant }),
    answers: [],
    parsed: [],
  };
}

function fillCallEntry(entry: ModelCallEntry, response: ChatResponse): void {
  entry.model = response.model;
  entry.requestHash = response.requestHash;
  entry.inputTokens = response.usage.inputTokens;
  entry.outputTokens = response.usage.outputTokens;
  entry.costUsd = response.costUsd;
  entry.latencyMs = response.latencyMs;
  entry.cached = response.cached;
  entry.transportRetries = response.retries ?? 0;
  entry.answers = [...response.texts];
}

function addTotals(log: AttemptLog, response: ChatResponse): void {
  log.totals.calls += 1;
  if (response.cached) log.totals.cachedCalls += 1;
  log.totals.inputTokens += response.usage.inputTokens;
  log.totals.outputTokens += response.usage.outputTokens;
  log.totals.costUsd += response.costUsd;
  log.totals.latencyMs += response.latencyMs;
}

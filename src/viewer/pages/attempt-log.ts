import type { AttemptLog, ModelCallEntry, StepEntry } from '../../mirror/types.js';
import { html, type SafeHtml } from '../html.js';
import type { ModelCallSummary } from '../queries.js';
import { formatCost } from './layout.js';

function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

function stepRow(step: StepEntry): SafeHtml {
  return html`<tr class="step ${step.outcome}">
<td>${step.step}</td><td class="number">${step.try}</td><td><span class="outcome ${step.outcome}">${step.outcome}</span></td>
<td class="number">${(step.durationMs / 1000).toFixed(1)} s</td>
<td>${step.feedback ? html`<pre class="feedback">${step.feedback}</pre>` : ''}
${step.details && Object.keys(step.details).length > 0 ? html`<details><summary>details</summary><pre>${json(step.details)}</pre></details>` : ''}</td></tr>`;
}

function callBlock(call: ModelCallEntry, index: number, prompts: AttemptLog['prompts']): SafeHtml {
  const prompt = prompts.find((item) => item.name === call.promptTemplate) ?? { name: call.promptTemplate, version: call.promptVersion };
  return html`<div class="call${call.try > 0 ? ' retry' : ''}${call.error ? ' error' : ''}">
<div class="call-head"><strong>#${index + 1} ${call.step}</strong> try ${call.try}${call.try > 0 ? html` <span class="pill wait">retry</span>` : ''}
· ${call.model} · ${call.inputTokens} in / ${call.outputTokens} out tokens · ${formatCost(call.costUsd)} · ${Math.round(call.latencyMs)} ms
${call.cached ? ' · cached' : ''}${call.transportRetries > 0 ? ` · ${call.transportRetries} transport retries` : ''}</div>
${call.feedback ? html`<div class="feedback-label">feedback sent with this retry:</div><pre class="feedback">${call.feedback}</pre>` : ''}
${call.error ? html`<div class="call-error">${call.error}</div>` : ''}
<details class="prompt"><summary>prompt: ${prompt.name} v${prompt.version}</summary>
<p class="muted">The store keeps the prompt by template and request hash, not its text: template <code>${prompt.name}</code>
version ${prompt.version}, request <code>${call.requestHash}</code>.</p></details>
${call.answers.map(
  (answer, sample) => html`<details class="answer"><summary>answer${call.answers.length > 1 ? ` (sample ${sample + 1})` : ''} · ${answer.length} characters</summary>
<pre>${answer}</pre>${call.parsed[sample] !== undefined && call.parsed[sample] !== null ? html`<details><summary>read as</summary><pre>${json(call.parsed[sample])}</pre></details>` : ''}</details>`,
)}
</div>`;
}

/** One mirroring attempt, step by step: outcomes and feedback in view, prompts and answers collapsed. */
export function attemptSection(attempt: AttemptLog, index: number): SafeHtml {
  const totals = attempt.totals;
  return html`<section class="attempt" id="attempt-${index + 1}">
<h3>Attempt ${index + 1}: ${attempt.status ?? 'unfinished'}</h3>
<p class="muted">${attempt.model} · started ${attempt.startedAt}${attempt.finishedAt ? ` · finished ${attempt.finishedAt}` : ''} ·
${totals.calls} calls (${totals.cachedCalls} cached) · ${totals.inputTokens} in / ${totals.outputTokens} out tokens · ${formatCost(totals.costUsd)} ·
budget: ${attempt.budget.retriesPerStep} retries per step, ${attempt.budget.samples} sample(s)</p>
${attempt.failure ? html`<p class="loss">Failed at <strong>${attempt.failure.step}</strong>: ${attempt.failure.reason}</p>` : ''}
${attempt.bugPattern ? html`<details><summary>bug pattern</summary><pre>${attempt.bugPattern}</pre></details>` : ''}
${attempt.localization ? html`<details><summary>localization</summary><pre>${json(attempt.localization)}</pre></details>` : ''}
<table class="steps"><thead><tr><th>step</th><th>try</th><th>outcome</th><th>time</th><th>feedback / details</th></tr></thead>
<tbody>${attempt.steps.map((step) => stepRow(step))}</tbody></table>
<h4>Model calls</h4>
${attempt.calls.map((call, callIndex) => callBlock(call, callIndex, attempt.prompts))}
</section>`;
}

/** Model calls the store recorded for the candidate outside any attempt (the LLM filter). */
export function otherCallsSection(calls: readonly ModelCallSummary[], attempts: readonly AttemptLog[]): SafeHtml {
  const attemptSteps = new Set(attempts.flatMap((attempt) => attempt.calls.map((call) => call.step)));
  const others = calls.filter((call) => !attemptSteps.has(call.step));
  if (others.length === 0) return html``;
  return html`<h3>Other model calls</h3><table class="calls"><thead><tr><th>step</th><th>model</th><th>tokens in / out</th><th>cost</th><th>latency</th><th>cached</th></tr></thead>
<tbody>${others.map(
    (call) => html`<tr><td>${call.step}</td><td>${call.model}</td><td class="number">${call.inputTokens} / ${call.outputTokens}</td>
<td class="number">${formatCost(call.costUsd)}</td><td class="number">${call.latencyMs} ms</td><td>${call.cached ? 'yes' : 'no'}</td></tr>`,
  )}</tbody></table>`;
}

import { html } from '../html.js';
import type { Overview } from '../overview-data.js';
import { distributionChart, funnelChart } from './funnel-chart.js';
import { formatCost, layout } from './layout.js';

/** The overview: stats per language, the yield funnel with losses by reason, and distributions. */
export function overviewPage(overview: Overview, context: { storePath: string; auditedCount: number }): string {
  const { funnel } = overview;
  const languageRows = overview.languages.map(
    (row) => html`<tr><td><a href="/tasks?language=${encodeURIComponent(row.language)}&amp;status=verified">${row.language}</a></td>
<td class="number">${row.repos}</td><td class="number">${row.instances}</td><td class="number">${row.meanFixHunks}</td>
<td class="number">${row.meanFixLines}</td><td class="number">${row.meanPassToPass}</td><td class="number">${row.meanFailToPass}</td></tr>`,
  );
  const lossRows = overview.steps.flatMap((step) =>
    step.losses.map(
      (loss) => html`<tr><td>${step.label}</td><td><a href="/tasks?rule=${encodeURIComponent(loss.rule)}">${loss.rule}</a></td>
<td class="number">${loss.count}</td><td class="reason">${loss.example ?? ''}</td></tr>`,
    ),
  );
  const pending = overview.steps.filter((step) => step.pending > 0);
  const body = html`<h1>Overview</h1>
<p class="muted">Store <code>${context.storePath}</code> · ${funnel.candidates} candidates · ${funnel.tasks} tasks
(${funnel.duplicates} duplicates) · ${context.auditedCount} audited · ${funnel.model.calls} model calls
(${funnel.model.cachedCalls} cached), ${funnel.model.inputTokens} + ${funnel.model.outputTokens} tokens, ${formatCost(funnel.model.costUsd)}</p>
<section>
<h2>Tasks per language</h2>
${
  overview.languages.length === 0
    ? html`<p class="muted">No verified tasks yet.</p>`
    : html`<table class="stats" id="language-stats"><thead><tr><th>Language</th><th>Repos</th><th>Instances</th><th>Fix hunks</th><th>Fix lines</th>
<th>Mean P2P</th><th>Mean F2P</th></tr></thead><tbody>${languageRows}</tbody></table>`
}
</section>
<section>
<h2>Yield funnel</h2>
${funnelChart(overview.steps)}
${pending.length > 0 ? html`<p class="muted">Still pending: ${pending.map((step) => `${step.pending} before “${step.label}”`).join(', ')}.</p>` : ''}
<h3>Losses by reason</h3>
${
  lossRows.length === 0
    ? html`<p class="muted">Nothing was lost.</p>`
    : html`<table class="losses" id="losses"><thead><tr><th>Lost before</th><th>Rule</th><th>Count</th><th>Example</th></tr></thead><tbody>${lossRows}</tbody></table>`
}
</section>
<section>
<h2>Distributions (verified, unique tasks)</h2>
<div class="histograms">${overview.distributions.map((distribution) => distributionChart(distribution))}</div>
</section>`;
  return layout({ title: 'Overview', body, active: 'overview' });
}

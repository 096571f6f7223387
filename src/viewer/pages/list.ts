import type { AuditMark } from '../audit.js';
import { html, type SafeHtml } from '../html.js';
import { STATUS_GROUPS, type CandidateFilter, type CandidatePage } from '../queries.js';
import { CANDIDATE_STAGES } from '../../store/store.js';
import { formatCost, layout, stagePill, withQuery } from './layout.js';

/** The list filter as a query string (the same keys the list form submits). */
export function filterQuery(filter: CandidateFilter): URLSearchParams {
  const query = new URLSearchParams();
  for (const key of ['gym', 'language', 'status', 'rule', 'repo'] as const) {
    const value = filter[key];
    if (value) query.set(key, value);
  }
  if (filter.search) query.set('q', filter.search);
  return query;
}

/** Read a filter from a request's query parameters. */
export function readFilter(get: (key: string) => string | undefined): CandidateFilter {
  const filter: CandidateFilter = {};
  for (const key of ['gym', 'language', 'status', 'rule', 'repo'] as const) {
    const value = get(key)?.trim();
    if (value) filter[key] = value;
  }
  const search = get('q')?.trim();
  if (search) filter.search = search;
  return filter;
}

function select(name: string, label: string, values: readonly string[], current: string | undefined): SafeHtml {
  return html`<label>${label} <select name="${name}"><option value="">any</option>${values.map(
    (value) => html`<option value="${value}"${value === current ? html` selected` : ''}>${value}</option>`,
  )}</select></label>`;
}

export interface ListPageInput {
  page: CandidatePage;
  filter: CandidateFilter;
  choices: { gyms: string[]; languages: string[]; rules: string[]; repos: string[] };
  marks: ReadonlyMap<string, AuditMark>;
}

/** The task list: every candidate (verified or lost), filtered, searched and paginated. */
export function listPage(input: ListPageInput): string {
  const { page, filter, choices, marks } = input;
  const query = filterQuery(filter);
  const pageLink = (number: number): string => {
    const linkQuery = new URLSearchParams(query);
    linkQuery.set('page', String(number));
    return withQuery('/tasks', linkQuery);
  };
  const rows = page.rows.map((row) => {
    const mark = marks.get(row.instanceId);
    return html`<tr data-id="${row.id}">
<td class="number">${row.id}</td>
<td><a class="task-link" href="${withQuery(`/candidates/${row.id}`, query)}">${row.instanceId}</a><div class="title">${row.title}</div></td>
<td>${row.gym}</td><td>${row.language ?? ''}</td><td>${stagePill(row.stage)}</td>
<td>${row.lossRule ?? ''}${row.lossReason ? html`<div class="reason">${row.lossReason}</div>` : ''}</td>
<td>${mark ? html`<span class="mark ${mark.label}">${mark.label}</span>` : ''}</td>
<td class="number">${formatCost(row.costUsd)}</td></tr>`;
  });
  const statuses = [...Object.keys(STATUS_GROUPS), ...CANDIDATE_STAGES];
  const body = html`<h1>Tasks and candidates</h1>
<form class="filters" method="get" action="/tasks" id="filters">
${select('gym', 'gym', choices.gyms, filter.gym)}
${select('language', 'language', choices.languages, filter.language)}
${select('status', 'status', statuses, filter.status)}
${select('rule', 'rule', choices.rules, filter.rule)}
${select('repo', 'source repo', choices.repos, filter.repo)}
<label>search <input type="search" name="q" value="${filter.search ?? ''}" placeholder="instance id, title, reason"></label>
<button type="submit">Filter</button> <a href="/tasks">clear</a>
</form>
<p class="muted" id="result-count">${page.total} matching · page ${page.page} of ${page.pageCount}</p>
<table class="list" id="task-list"><thead><tr><th>#</th><th>instance / PR title</th><th>gym</th><th>language</th><th>stage</th><th>rule / reason</th><th>audit</th><th>cost</th></tr></thead>
<tbody>${rows}</tbody></table>
<nav class="pages">
${page.page > 1 ? html`<a rel="prev" href="${pageLink(page.page - 1)}">← previous page</a>` : ''}
${page.page < page.pageCount ? html`<a rel="next" href="${pageLink(page.page + 1)}">next page →</a>` : ''}
</nav>`;
  return layout({ title: 'Tasks', body, active: 'tasks' });
}

import * as Diff2Html from 'diff2html';
import type { PerTestStatus, Task } from '../../core/records.js';
import { AUDIT_LABELS, type AuditMark } from '../audit.js';
import { html, renderMarkdown, trusted, webUrl, type SafeHtml } from '../html.js';
import type { CandidateDetail } from '../queries.js';
import { attemptSection, otherCallsSection } from './attempt-log.js';
import { formatCost, layout, stagePill, withQuery } from './layout.js';

/** A unified diff as diff2html's line-by-line view; diff2html escapes every name and line. */
function diffView(title: string, id: string, diff: string): SafeHtml {
  if (diff.trim() === '') return html`<section class="patch" id="${id}"><h3>${title}</h3><p class="muted">empty</p></section>`;
  const rendered = Diff2Html.html(diff, { drawFileList: false, outputFormat: 'line-by-line', matching: 'lines', maxLineLengthHighlight: 2000 });
  return html`<section class="patch" id="${id}"><h3>${title}</h3>${trusted(rendered)}</section>`;
}

function statusCell(status: string): SafeHtml {
  return html`<td class="status ${status.toLowerCase()}">${status}</td>`;
}

/** Per-test statuses in the three states, FAIL_TO_PASS first, each row marked with its role. */
function testTable(task: Pick<Task, 'tests' | 'FAIL_TO_PASS' | 'PASS_TO_PASS'>): SafeHtml {
  const failToPass = new Set(task.FAIL_TO_PASS);
  const passToPass = new Set(task.PASS_TO_PASS);
  const role = (test: string): string => (failToPass.has(test) ? 'FAIL_TO_PASS' : passToPass.has(test) ? 'PASS_TO_PASS' : '');
  const order = (test: string): number => (failToPass.has(test) ? 0 : passToPass.has(test) ? 2 : 1);
  const names = Object.keys(task.tests).sort((a, b) => order(a) - order(b) || a.localeCompare(b));
  const rows = names.map((name) => {
    const status = task.tests[name] as PerTestStatus;
    const kind = role(name);
    return html`<tr class="${kind === 'FAIL_TO_PASS' ? 'f2p' : kind === 'PASS_TO_PASS' ? 'p2p' : 'other'}"><td class="test-name">${name}</td>
${statusCell(status.run)}${statusCell(status.test)}${statusCell(status.fix)}<td>${kind ? html`<span class="role ${kind === 'FAIL_TO_PASS' ? 'f2p' : 'p2p'}">${kind}</span>` : ''}</td></tr>`;
  });
  return html`<table class="tests" id="test-table"><thead><tr><th>test</th><th>run</th><th>test</th><th>fix</th><th>role</th></tr></thead><tbody>${rows}</tbody></table>
<p class="muted">${task.FAIL_TO_PASS.length} FAIL_TO_PASS · ${task.PASS_TO_PASS.length} PASS_TO_PASS · ${names.length} tests.
run = gym + mirror (the bug), test = + test patch, fix = + fix patch.</p>`;
}

/** Why a candidate is where it is: its loss, the filters' verdicts, the verifier's reasons. */
function verdictSection(detail: CandidateDetail): SafeHtml {
  const { summary } = detail;
  const verifySteps = detail.attempts.flatMap((attempt) => attempt.steps.filter((step) => step.step === 'verify' && step.details));
  const reasons = verifySteps.flatMap((step) => {
    const stepReasons = (step.details as { reasons?: unknown }).reasons;
    return Array.isArray(stepReasons) ? stepReasons : [];
  }) as Array<{ rule?: string; message?: string; tests?: string[] }>;
  return html`<section class="verdict" id="verdict"><h2>Verdict</h2>
${summary.stage === 'verified' ? html`<p class="good">Verified: FAIL_TO_PASS fail with the bug and pass with the fix; nothing regresses or flakes.</p>` : ''}
${detail.duplicateOf ? html`<p class="loss">Duplicate of <strong>${detail.duplicateOf}</strong> (${summary.lossRule ?? ''}).</p>` : ''}
${summary.lossRule && !detail.duplicateOf ? html`<p class="loss" id="loss-reason">Lost at <strong>${summary.stage}</strong> by rule <code>${summary.lossRule}</code>: ${summary.lossReason ?? ''}</p>` : ''}
${detail.ruleVerdict ? html`<p>Rule filter: ${detail.ruleVerdict.kept ? 'kept' : html`dropped by <code>${detail.ruleVerdict.reason}</code>`}${detail.ruleVerdict.detail ? ` (${detail.ruleVerdict.detail})` : ''}</p>` : ''}
${detail.llmVerdict ? html`<p>LLM filter: ${detail.llmVerdict.kept ? 'mirrorable' : 'not mirrorable'}: ${detail.llmVerdict.reason}${detail.llmVerdict.error ? html` <span class="call-error">${detail.llmVerdict.error}</span>` : ''}</p>` : ''}
${
  reasons.length > 0
    ? html`<ul class="reasons">${reasons.map(
        (reason) => html`<li><code>${reason.rule ?? ''}</code> ${reason.message ?? ''}${
          reason.tests && reason.tests.length > 0 ? html`<ul>${reason.tests.map((test) => html`<li><code>${test}</code></li>`)}</ul>` : ''
        }</li>`,
      )}</ul>`
    : ''
}</section>`;
}

function sourceSection(detail: CandidateDetail): SafeHtml {
  const source = detail.source;
  const url = webUrl(source.url);
  return html`<section class="source" id="source"><h2>Source pull request</h2>
<p>${url ? html`<a href="${url}" rel="noopener noreferrer nofollow" target="_blank">${source.repo}#${source.number}</a>` : `${source.repo}#${source.number}`}
· <strong>${source.title}</strong> · merged ${source.mergedAt ?? 'unknown'} · from ${source.origin}</p>
${source.body.trim() ? html`<details open><summary>PR description</summary><div class="markdown">${renderMarkdown(source.body)}</div></details>` : ''}
${source.issues.map(
  (issue) => html`<details open class="issue"><summary>issue #${issue.number}: ${issue.title}</summary><div class="markdown">${renderMarkdown(issue.body)}</div></details>`,
)}
<details><summary>PR diff</summary>${diffView('PR diff', 'source-diff', source.diff)}${source.testPatch ? diffView('PR test patch', 'source-test-patch', source.testPatch) : ''}</details>
</section>`;
}

function auditSection(detail: CandidateDetail, mark: AuditMark | undefined, query: URLSearchParams): SafeHtml {
  if (!detail.task) return html``;
  return html`<section class="audit" id="audit"><h2>Audit</h2>
<form method="post" action="${withQuery(`/candidates/${detail.summary.id}/audit`, query)}" id="audit-form">
<fieldset><legend>Is the statement faithful to the bug?</legend>
${AUDIT_LABELS.map(
  (label, index) => html`<label><input type="radio" name="label" value="${label}" data-key="${index + 1}"${mark?.label === label ? html` checked` : ''}> ${label}</label>`,
)}
<label><input type="radio" name="label" value=""${mark ? '' : html` checked`}> unmarked</label>
</fieldset>
<label>note <textarea name="note" rows="2" cols="60">${mark?.note ?? ''}</textarea></label>
${detail.task.consistency ? html`<p id="judge-grade">LLM judge (mirror.judge): <span class="mark ${detail.task.consistency.level}">${detail.task.consistency.level}</span> · ${detail.task.consistency.reason}</p>` : ''}
<button type="submit">Save mark</button>
${mark ? html`<span class="muted" id="current-mark">marked <span class="mark ${mark.label}">${mark.label}</span> at ${mark.marked_at}</span>` : ''}
</form></section>`;
}

export interface TaskPageInput {
  detail: CandidateDetail;
  mark?: AuditMark;
  /** The list filter the reviewer came from; next / previous stay within it. */
  query: URLSearchParams;
  previous?: number;
  next?: number;
}

/** One candidate: statement, source, patches, per-test table, attempt log and verdict. */
export function taskPage(input: TaskPageInput): string {
  const { detail, query } = input;
  const { summary, task } = detail;
  const link = (id: number): string => withQuery(`/candidates/${id}`, query);
  const body = html`<nav class="neighbours">
${input.previous !== undefined ? html`<a rel="prev" id="previous-task" href="${link(input.previous)}">← previous (k)</a>` : html`<span class="muted">first</span>`}
<a href="${withQuery('/tasks', query)}">back to the list</a>
${input.next !== undefined ? html`<a rel="next" id="next-task" href="${link(input.next)}">next (j) →</a>` : html`<span class="muted">last</span>`}
</nav>
<h1 id="instance-id">${summary.instanceId}</h1>
<p>${stagePill(summary.stage)} · gym <strong>${summary.gym}</strong> · ${summary.language ?? ''} · candidate #${summary.id} · cost ${formatCost(summary.costUsd)}
${task ? ` · model ${task.model} · base ${task.baseCommit.slice(0, 12)}` : ''}</p>
${verdictSection(detail)}
${auditSection(detail, input.mark, query)}
${task ? html`<section class="statement" id="statement"><h2>Problem statement</h2><div class="markdown">${renderMarkdown(task.problemStatement)}</div></section>` : ''}
${sourceSection(detail)}
${
  task
    ? html`<section id="patches"><h2>Patches</h2>${diffView('Mirror patch (introduces the bug)', 'mirror-patch', task.mirrorPatch)}
${diffView('Test patch (hidden tests)', 'test-patch', task.testPatch)}${diffView('Fix patch (reference solution)', 'fix-patch', task.fixPatch)}</section>
<section id="tests"><h2>Tests in the three states</h2>${testTable(task)}</section>`
    : detail.attempts.length > 0
      ? html`<p class="muted">The store keeps patches and per-test statuses only for verified tasks; the attempt log below shows what the model wrote.</p>`
      : ''
}
<section id="attempts"><h2>Attempt log</h2>
${detail.attempts.length === 0 ? html`<p class="muted">No mirroring attempt (lost before the mirror stage).</p>` : detail.attempts.map((attempt, index) => attemptSection(attempt, index))}
${otherCallsSection(detail.modelCalls, detail.attempts)}
</section>`;
  return layout({ title: summary.instanceId, body, active: 'tasks' });
}

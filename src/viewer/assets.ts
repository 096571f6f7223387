import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** diff2html's own stylesheet, read from the installed package once. */
export function readDiffStylesheet(): string {
  const require = createRequire(import.meta.url);
  return readFileSync(require.resolve('diff2html/bundles/css/diff2html.min.css'), 'utf8');
}

/** Keyboard navigation and audit shortcuts; the only script a page loads (CSP: script-src 'self'). */
export const VIEWER_SCRIPT = `'use strict';
document.addEventListener('keydown', function (event) {
  var target = event.target;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT' || target.isContentEditable)) return;
  var follow = function (rel) {
    var link = document.querySelector('a[rel="' + rel + '"]');
    if (link) { event.preventDefault(); window.location.href = link.href; }
  };
  if (event.key === 'j' || event.key === 'ArrowRight') return follow('next');
  if (event.key === 'k' || event.key === 'ArrowLeft') return follow('prev');
  var radio = document.querySelector('#audit-form input[data-key="' + event.key + '"]');
  if (radio) {
    event.preventDefault();
    radio.checked = true;
    radio.form.submit();
  }
});
`;

export const VIEWER_STYLESHEET = `
:root { --fg: #1d2430; --muted: #667085; --line: #d9dee7; --good: #1a7f37; --bad: #b42318; --wait: #9a6700; --accent: #2456c9; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: #f7f8fa; }
header.top { display: flex; gap: 24px; align-items: center; padding: 10px 24px; background: #1d2430; color: #fff; }
header.top a { color: #dbe4ff; text-decoration: none; margin-right: 14px; }
header.top a.active, header.top a.brand { color: #fff; font-weight: 600; }
header.top .keys { margin-left: auto; color: #aab4c8; font-size: 12px; }
kbd { border: 1px solid #8892a6; border-radius: 3px; padding: 0 4px; font-size: 11px; }
main { padding: 16px 24px 48px; max-width: 1400px; }
h1 { font-size: 22px; margin: 8px 0 12px; word-break: break-all; }
h2 { font-size: 17px; margin: 24px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
section { margin-bottom: 12px; }
a { color: var(--accent); }
table { border-collapse: collapse; background: #fff; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #eef1f6; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
table.list { width: 100%; }
table.list .title, .reason { color: var(--muted); font-size: 12px; max-width: 520px; overflow-wrap: anywhere; }
.muted { color: var(--muted); }
.pill { white-space: nowrap; display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; color: #fff; background: var(--muted); }
.pill.good { background: var(--good); } .pill.bad { background: var(--bad); } .pill.fail { background: #7a2e0e; }
.pill.wait { background: var(--wait); } .pill.dup { background: #6941c6; }
.mark { padding: 0 6px; border-radius: 4px; font-size: 12px; border: 1px solid; }
.mark.high { color: var(--good); } .mark.moderate { color: var(--wait); } .mark.inconsistent { color: var(--bad); }
form.filters { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; background: #fff; padding: 10px; border: 1px solid var(--line); }
nav.pages, nav.neighbours { display: flex; gap: 18px; margin: 10px 0; }
svg.funnel rect.kept { fill: #4a7be0; } svg.funnel rect.lost { fill: #e5897f; }
svg text { font-size: 12px; fill: var(--fg); }
.histograms { display: flex; flex-wrap: wrap; gap: 16px; }
figure.histogram { margin: 0; background: #fff; border: 1px solid var(--line); padding: 8px; }
figure.histogram rect { fill: #4a7be0; } figure.histogram text { font-size: 10px; }
figcaption { font-weight: 600; margin-bottom: 4px; }
.markdown { background: #fff; border: 1px solid var(--line); padding: 4px 16px; overflow-wrap: anywhere; }
.markdown pre, pre { background: #f2f4f8; padding: 8px; overflow: auto; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 480px; }
table.tests td.test-name { font-family: ui-monospace, monospace; font-size: 12px; overflow-wrap: anywhere; }
td.status.passed { color: var(--good); } td.status.failed { color: var(--bad); font-weight: 600; } td.status.skipped { color: var(--wait); }
td.status.none { color: var(--muted); }
tr.f2p { background: #fff4f2; }
.role { font-size: 11px; font-weight: 600; padding: 0 6px; border-radius: 4px; }
.role.f2p { background: #fde2dd; color: var(--bad); } .role.p2p { background: #e3f1e6; color: var(--good); }
p.good { color: var(--good); font-weight: 600; } .loss { color: var(--bad); }
.call { background: #fff; border: 1px solid var(--line); padding: 6px 10px; margin: 6px 0; }
.call.retry { border-left: 4px solid var(--wait); } .call.error { border-left: 4px solid var(--bad); }
.call-error { color: var(--bad); }
pre.feedback { background: #fff8e6; border-left: 3px solid var(--wait); }
.outcome.retry { color: var(--wait); } .outcome.failed { color: var(--bad); } .outcome.ok { color: var(--good); }
section.audit form { background: #fff; border: 1px solid var(--line); padding: 10px; }
section.audit fieldset { border: 0; padding: 0; margin: 0 0 8px; display: flex; gap: 16px; }
.d2h-wrapper { margin-bottom: 8px; }
/* diff2html lays out its own tables: undo the page's cell borders and padding inside them. */
.d2h-wrapper table { background: transparent; }
.d2h-wrapper td, .d2h-wrapper th { border: 0; padding: 0; vertical-align: baseline; }
.d2h-wrapper .d2h-code-linenumber { border-right: 1px solid var(--line); }
`;

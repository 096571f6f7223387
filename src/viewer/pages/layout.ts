import { html, type SafeHtml } from '../html.js';

/** Links carry the list filter along, so next / previous stay within it. */
export function withQuery(path: string, query: URLSearchParams): string {
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

/** The page frame: navigation, styles and the one script (all served by the viewer itself). */
export function layout(input: { title: string; body: SafeHtml; head?: SafeHtml; active: 'overview' | 'tasks' }): string {
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${input.title} · swe-mirror view</title>
<link rel="stylesheet" href="/assets/diff2html.css">
<link rel="stylesheet" href="/assets/viewer.css">
${input.head}
<script src="/assets/viewer.js" defer></script>
</head>
<body>
<header class="top">
  <a class="brand" href="/">swe-mirror view</a>
  <nav>
    <a href="/" class="${input.active === 'overview' ? 'active' : ''}">Overview</a>
    <a href="/tasks" class="${input.active === 'tasks' ? 'active' : ''}">Tasks</a>
    <a href="/audit-labels.jsonl">Audit labels</a>
  </nav>
  <span class="keys">keys: <kbd>j</kbd>/<kbd>k</kbd> next / previous · <kbd>1</kbd><kbd>2</kbd><kbd>3</kbd> mark</span>
</header>
<main>
${input.body}
</main>
</body>
</html>
`;
  return page.value;
}

/** A small status pill; the class is chosen from a fixed set, never from data. */
export function stagePill(stage: string): SafeHtml {
  const kind = stage === 'verified' ? 'good' : stage.startsWith('pending') ? 'wait' : stage === 'duplicate' ? 'dup' : stage === 'mirror-failed' ? 'fail' : 'bad';
  return html`<span class="pill ${kind}">${stage}</span>`;
}

export function formatCost(costUsd: number): string {
  return `$${costUsd.toFixed(costUsd < 0.01 && costUsd > 0 ? 4 : 2)}`;
}

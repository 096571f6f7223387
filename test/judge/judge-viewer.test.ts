import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveJudgement } from '../../src/judge/judgement-store.js';
import { Store } from '../../src/store/store.js';
import { startViewer, type RunningViewer } from '../../src/viewer/server.js';
import { buildViewerStore } from '../viewer/viewer-store.js';

describe('the viewer shows the judge\'s grade on the task page', () => {
  let viewer: RunningViewer;
  let directory: string;

  beforeAll(async () => {
    ({ directory } = buildViewerStore());
    const store = Store.open(path.join(directory, 'state.sqlite'));
    try {
      saveJudgement(store, { instanceId: 'py-gym__acme__widgets-1', consistency: 'moderate', reason: 'Similar bug <script>window.__pwned = "judge"</script>', model: 'scripted', promptVersion: 1, costUsd: 0 });
    } finally {
      store.close();
    }
    viewer = await startViewer({ target: directory, port: 0 });
  });

  afterAll(async () => {
    await viewer?.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('beside the reviewer\'s own mark, with the reason escaped', async () => {
    const page = await (await fetch(new URL('/candidates/1', viewer.url))).text();
    expect(page).toContain('<p id="judge-grade">LLM judge (mirror.judge): <span class="mark moderate">moderate</span>');
    expect(page).toContain('Similar bug &lt;script&gt;');
    expect(page).not.toContain('<script>window.__pwned = "judge"');
    const other = await (await fetch(new URL('/candidates/2', viewer.url))).text();
    expect(other).not.toContain('judge-grade');
  });
});

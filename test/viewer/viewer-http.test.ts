import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAuditMarks } from '../../src/viewer/audit.js';
import { startViewer, type RunningViewer } from '../../src/viewer/server.js';
import { buildViewerStore } from './viewer-store.js';

let viewer: RunningViewer;
let directory: string;
let storeHashBefore: string;

const hashOf = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

async function get(path: string): Promise<{ status: number; body: string; headers: Headers }> {
  const response = await fetch(new URL(path, viewer.url), { redirect: 'manual' });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

async function postAudit(id: number, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(new URL(`/candidates/${id}/audit`, viewer.url), {
    method: 'POST',
    body: new URLSearchParams(form),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    redirect: 'manual',
  });
}

/** A raw request with a Host header that fetch would not let us set. */
function getWithHost(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port: viewer.port, path: '/', headers: { host } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

beforeAll(async () => {
  ({ directory } = buildViewerStore());
  storeHashBefore = hashOf(`${directory}/state.sqlite`);
  viewer = await startViewer({ target: directory, port: 0 });
});

afterAll(async () => {
  await viewer?.close();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

describe('swe-mirror view over real HTTP', () => {
  it('serves on 127.0.0.1 with a CSP that allows only its own script', async () => {
    expect(viewer.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const { status, headers } = await get('/');
    expect(status).toBe(200);
    expect(headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('shows stats per language, the funnel stage by stage and the losses by rule', async () => {
    const { body } = await get('/');
    expect(body).toMatch(/<td><a [^>]*>go<\/a><\/td>\s*<td class="number">1<\/td><td class="number">1<\/td>/);
    expect(body).toMatch(/<td><a [^>]*>python<\/a><\/td>\s*<td class="number">1<\/td><td class="number">1<\/td>/);
    expect(body).toContain('<svg class="funnel"');
    expect(body).toContain('<title>collected: 7</title>');
    expect(body).toContain('<title>passed the rules: 6</title>');
    expect(body).toContain('<title>passed the LLM filter: 5</title>');
    expect(body).toContain('<title>mirrored: 4</title>');
    expect(body).toContain('<title>verified: 3</title>');
    expect(body).toContain('<title>unique (after dedup): 2</title>');
    for (const rule of ['only-docs-ci-lock-or-tests', 'not-mirrorable', 'mirror-generate', 'no-regressions', 'same-fail-to-pass']) expect(body).toContain(`>${rule}</a>`);
    expect(body).toContain('<figcaption>FAIL_TO_PASS tests</figcaption>');
  });

  it('lists every candidate and filters by status, language, rule, repo and search', async () => {
    const rowCount = async (query: string): Promise<number> => ((await get(`/tasks${query}`)).body.match(/<tr data-id=/g) ?? []).length;
    expect(await rowCount('')).toBe(7);
    expect(await rowCount('?status=verified')).toBe(2);
    expect(await rowCount('?status=rejected')).toBe(3);
    expect(await rowCount('?status=failed')).toBe(1);
    expect(await rowCount('?language=go')).toBe(1);
    expect(await rowCount('?rule=no-regressions')).toBe(1);
    expect(await rowCount('?repo=gopher%2Fmux')).toBe(1);
    // The task, and its duplicate whose loss reason names it.
    expect(await rowCount('?q=widgets-1')).toBe(2);
    expect(await rowCount('?q=gopher')).toBe(1);
    expect(await rowCount('?q=fix+breaks')).toBe(1);
    expect(await rowCount('?q=%233')).toBe(1);
    expect(await rowCount('?q=%25')).toBe(0);
  });

  it('renders a task with escaped, sanitized statement and patches, the test table and the attempt log', async () => {
    const { status, body } = await get('/candidates/1');
    expect(status).toBe(200);
    expect(body).not.toMatch(/<script>window/);
    expect(body).not.toMatch(/<img/i);
    expect(body).not.toContain('javascript:');
    expect(body).toContain('&lt;script&gt;window.__pwned = "statement-script"&lt;/script&gt;');
    expect(body).toContain('<h1>Ranges &lt;b&gt;break&lt;/b&gt;</h1>');
    expect(body).toContain('d2h-file-wrapper');
    expect(body).toContain('src/&lt;script&gt;.py');
    expect(body).toMatch(/<tr class="f2p"><td class="test-name">tests\/test_a.py::test_new<\/td>\s*<td class="status none">NONE<\/td><td class="status failed">FAILED<\/td><td class="status passed">PASSED<\/td>/);
    expect(body).toMatch(/<tr class="p2p"><td class="test-name">tests\/test_a.py::test_old<\/td>/);
    expect(body).toContain('FEEDBACK-SENT: the new tests still pass with your edit');
    expect(body).toMatch(/<details class="answer"><summary>answer · \d+ characters<\/summary>\s*<pre>ANSWER-ONE &lt;script&gt;/);
    expect(body).toContain('1200 in / 300 out tokens');
    expect(body).toContain('href="https://github.com/acme/widgets/pull/1"');
    expect(body).toContain('rel="next" id="next-task" href="/candidates/2"');
  });

  it('shows why a rejected or dropped candidate was lost', async () => {
    const rejected = (await get('/candidates/3')).body;
    expect(rejected).toContain('by rule <code>no-regressions</code>');
    expect(rejected).toContain('REGRESSION-MESSAGE');
    expect(rejected).toContain('<code>tests/test_b.py::test_broken</code>');
    expect(rejected).toContain('The store keeps patches and per-test statuses only for verified tasks');
    const dropped = (await get('/candidates/5')).body;
    expect(dropped).toContain('dropped by <code>only-docs-ci-lock-or-tests</code> (only docs files changed)');
    const filtered = (await get('/candidates/6')).body;
    expect(filtered).toContain('LLM filter: not mirrorable: Only a wording change; nothing to mirror.');
    expect(filtered).toContain('<td>filter-mirrorability</td>');
    const duplicate = (await get('/candidates/7')).body;
    expect(duplicate).toContain('Duplicate of <strong>py-gym__acme__widgets-1</strong>');
  });

  it('keeps next / previous within the list filter', async () => {
    const { body } = await get('/candidates/2?status=rejected');
    expect(body).toContain('rel="next" id="next-task" href="/candidates/3?status=rejected"');
    expect(body).not.toContain('id="previous-task"');
  });

  it('stores audit marks in the side file and serves them as labels', async () => {
    const saved = await postAudit(1, { label: 'inconsistent', note: 'statement names the wrong <function>' });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe('/candidates/1#audit');
    const marks = await readAuditMarks(viewer.source.auditPath);
    expect(marks.get('py-gym__acme__widgets-1')).toMatchObject({ label: 'inconsistent', note: 'statement names the wrong <function>', source_repo: 'acme/widgets', source_number: 1 });
    const page = (await get('/candidates/1')).body;
    expect(page).toContain('value="inconsistent" data-key="3" checked');
    expect(page).toContain('statement names the wrong &lt;function&gt;');
    const labels = (await get('/audit-labels.jsonl')).body.trim().split('\n').map((line) => JSON.parse(line) as { instance_id: string; label: string });
    expect(labels).toEqual([expect.objectContaining({ instance_id: 'py-gym__acme__widgets-1', label: 'inconsistent' })]);
    await postAudit(1, { label: '' });
    expect((await readAuditMarks(viewer.source.auditPath)).size).toBe(0);
  });

  it('refuses bad labels, cross-site posts, marks on lost candidates and foreign Host headers', async () => {
    expect((await postAudit(1, { label: 'excellent' })).status).toBe(400);
    expect((await postAudit(1, { label: 'high' }, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await postAudit(1, { label: 'high' }, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await postAudit(3, { label: 'high' })).status).toBe(404);
    expect(await getWithHost('rebound.example:80')).toBe(421);
    expect((await readAuditMarks(viewer.source.auditPath)).size).toBe(0);
    expect((await get('/candidates/999')).status).toBe(404);
  });

  it('never writes the store', () => {
    expect(hashOf(`${directory}/state.sqlite`)).toBe(storeHashBefore);
  });
});

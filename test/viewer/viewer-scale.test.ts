import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIST_PAGE_SIZE, startViewer, type RunningViewer } from '../../src/viewer/server.js';
import { buildLargeStore } from './viewer-store.js';

const TASKS = 10_000;
let viewer: RunningViewer;
let directory: string;

async function rowIds(path: string): Promise<number[]> {
  const body = await (await fetch(new URL(path, viewer.url))).text();
  return [...body.matchAll(/<tr data-id="(\d+)"/g)].map((match) => Number(match[1]));
}

beforeAll(async () => {
  ({ directory } = buildLargeStore(TASKS));
  viewer = await startViewer({ target: directory, port: 0 });
});

afterAll(async () => {
  await viewer?.close();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

// The time to render a page at this size is measured by bench/viewer-list.ts, not asserted here.
describe('the viewer on a store of 10,000 tasks', () => {
  it('pages the list instead of rendering every task', async () => {
    const first = await rowIds('/tasks');
    expect(first).toHaveLength(LIST_PAGE_SIZE);
    expect(first[0]).toBe(1);
    const body = await (await fetch(new URL('/tasks', viewer.url))).text();
    expect(body).toContain(`${TASKS} matching · page 1 of ${TASKS / LIST_PAGE_SIZE}`);
    const last = await rowIds(`/tasks?page=${TASKS / LIST_PAGE_SIZE}`);
    expect(last.at(-1)).toBe(TASKS);
    // Past the end clamps to the last page.
    expect(await rowIds('/tasks?page=999999')).toEqual(last);
  });

  it('finds one task among them and links to its neighbours', async () => {
    expect(await rowIds('/tasks?q=widgets-7777')).toEqual([7777]);
    const page = await (await fetch(new URL('/candidates/7777', viewer.url))).text();
    expect(page).toContain('href="/candidates/7776"');
    expect(page).toContain('href="/candidates/7778"');
  });

  it('still draws the overview', async () => {
    const body = await (await fetch(new URL('/', viewer.url))).text();
    expect(body).toContain(`<title>collected: ${TASKS}</title>`);
  });
});

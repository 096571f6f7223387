// The viewer at scale: a store of 10,000 verified tasks (built through the library), served over real HTTP;
// each page fetched a few times and the median wall time printed. Target: the list page in under 1 s.
// Run with: node --import tsx bench/viewer-list.ts [task count]
import { rmSync } from 'node:fs';
import { startViewer } from '../src/viewer/server.js';
import { buildLargeStore } from '../test/viewer/viewer-store.js';
import { recordFigure } from './support/figures.js';

const TASKS = Number(process.argv[2] ?? 10_000);
const REPEATS = 5;

async function medianFetch(url: string): Promise<number> {
  const times: number[] = [];
  for (let repeat = 0; repeat <= REPEATS; repeat += 1) {
    const startedAt = performance.now();
    const response = await fetch(url);
    await response.text();
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    if (repeat > 0) times.push(performance.now() - startedAt); // the first fetch warms statement caches
  }
  return [...times].sort((left, right) => left - right)[Math.floor(times.length / 2)] ?? 0;
}

const { directory } = buildLargeStore(TASKS);
const viewer = await startViewer({ target: directory, port: 0 });
let isMet = true;
try {
  const pages: Array<[string, string, number | undefined]> = [
    ['list page 1', '/tasks', 1000],
    ['list, last page', `/tasks?page=${Math.ceil(TASKS / 50)}`, 1000],
    ['list, search', '/tasks?q=widgets-7777', 1000],
    ['task page', `/candidates/${Math.ceil(TASKS / 2)}`, undefined],
    ['overview', '/', undefined],
  ];
  for (const [measure, pathname, target] of pages) {
    const milliseconds = await medianFetch(new URL(pathname, viewer.url).href);
    const met = target === undefined ? undefined : milliseconds < target;
    if (met === false) isMet = false;
    process.stdout.write(`${measure} (${TASKS.toLocaleString('en-US')} tasks, median of ${REPEATS}): ${milliseconds.toFixed(1)} ms${target ? ` (target < ${target} ms)` : ''}\n`);
    recordFigure(import.meta.filename, {
      measure: `viewer ${measure}, ${TASKS.toLocaleString('en-US')} tasks`,
      value: `${milliseconds.toFixed(1)} ms`,
      ...(target === undefined ? {} : { target: `< ${target} ms`, isMet: met as boolean }),
    });
  }
} finally {
  await viewer.close();
  rmSync(directory, { recursive: true, force: true });
}
if (!isMet) process.exitCode = 1;

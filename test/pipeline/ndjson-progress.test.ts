import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnAsync } from '../support/spawn-async.js';

const REPOSITORY = path.resolve(import.meta.dirname, '..', '..');
const DEMO = path.join(REPOSITORY, 'examples', 'demo');
const scratch = mkdtempSync(path.join(tmpdir(), 'swe-mirror-ndjson-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The demo's Python half (its replayed model answers included), into a fresh output and data folder. */
function writePythonDemoConfig(): string {
  const config = path.join(scratch, 'swe-mirror.yaml');
  writeFileSync(
    config,
    [
      'schemaVersion: 1',
      `output: ${path.join(scratch, 'out')}`,
      `gyms: [${path.join(DEMO, 'gyms', 'python-pytest.yaml')}]`,
      'sources:',
      `  - { type: jsonl, path: ${path.join(DEMO, 'prs-python-pytest.jsonl')}, gyms: [python-pytest] }`,
      `model: { provider: replay, replayFile: ${path.join(DEMO, 'recording.jsonl')} }`,
      'unsafeNoSandbox: replayed-models',
      'filter: { llm: true }',
      // The recording answers the demo's requests, which ask for two samples at temperature 0.8.
      'mirror: { retriesPerStep: 2, samples: 2, temperature: 0.8 }',
      'verify: { repeats: { run: 1, test: 2, fix: 2 } }',
      '',
    ].join('\n'),
  );
  return config;
}

describe('swe-mirror run --progress ndjson', () => {
  it('writes only JSON lines to stdout, names each item the same in every event, and ends with a summary event', async () => {
    const run = await spawnAsync(process.execPath, ['--import', 'tsx', path.join(REPOSITORY, 'src/cli/main.ts'), 'run', '--config', writePythonDemoConfig(), '--progress', 'ndjson', '--data-dir', path.join(scratch, 'data')], {
      cwd: REPOSITORY,
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.split('\n').filter((line) => line !== '');
    const events = lines.map((line) => JSON.parse(line) as { type: string; stage?: string; item?: string; tasks?: number; text?: string });
    expect(events.length).toBeGreaterThan(10);

    // Every item that finished was started under the same id, and every started item finished.
    const key = (event: { stage?: string; item?: string }) => `${event.stage} ${event.item}`;
    const started = events.filter((event) => event.type === 'item-start').map(key).sort();
    const finished = events.filter((event) => event.type === 'item-done').map(key).sort();
    expect(finished).toEqual(started);
    expect(started).toContain('prepare python-pytest');
    // One candidate has one name across stages: every mirrored instance id was also the filter's item.
    const itemsOf = (stage: string) => new Set(events.filter((event) => event.type === 'item-done' && event.stage === stage).map((event) => event.item));
    expect([...itemsOf('mirror')].filter((item) => !itemsOf('filter').has(item))).toEqual([]);
    expect(itemsOf('mirror')).toContain('python-pytest__demo-upstream__pyversions-412');

    const summary = events.at(-1)!;
    expect(summary.type).toBe('summary');
    expect(summary.tasks).toBe(3);
    expect(summary.text).toMatch(/Language +Repos +Instances/);
    // The table people read goes to stderr.
    expect(run.stderr).toMatch(/Language +Repos +Instances[\s\S]*Finished in/);
  }, 300_000);
});

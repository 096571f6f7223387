/**
 * SLOW stress test: the offline demo pipeline (concurrency 2: two candidates of a gym mirrored and
 * verified at once) ten times in a row, each into a fresh output folder. The gyms are prepared once;
 * their working copies are removed before every run, so each run makes its copies while the other
 * candidate already works in its own: the case that once lost tasks (a copy taken of a tree another
 * candidate was resetting). Every run must give the same 6 tasks and leave nothing pending.
 * Set SWE_MIRROR_SKIP_SLOW=1 to skip it.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { hasCommand } from '../support/commands.js';
import { describe, expect, it } from 'vitest';
import { loadRunConfig } from '../../src/config/run-config.js';
import type { PipelineEvent } from '../../src/pipeline/events.js';
import { runPipeline } from '../../src/pipeline/run-pipeline.js';

const DEMO_CONFIG = path.resolve(import.meta.dirname, '..', '..', 'examples', 'demo', 'swe-mirror.yaml');
const RUNS = 10;


const isSkipped = process.env.SWE_MIRROR_SKIP_SLOW === '1' || !hasCommand('go') || !hasCommand('python3') || !hasCommand('cargo');

describe.skipIf(isSkipped)('the demo pipeline under concurrency, ten runs in a row (slow)', () => {
  it('gives the same 10 tasks every time, with nothing left pending', { timeout: 60 * 60_000 }, async () => {
    const configured = await loadRunConfig(DEMO_CONFIG);
    expect(configured.config.concurrency.tests).toBeGreaterThanOrEqual(2);
    const dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'swe-mirror-stress-data-'));
    const outcomes: Array<{ tasks: string[]; failed: string[] }> = [];
    try {
      for (let run = 1; run <= RUNS; run += 1) {
        for (const gym of await readdir(path.join(dataDirectory, 'gyms')).catch(() => [] as string[])) {
          await rm(path.join(dataDirectory, 'gyms', gym, 'copies'), { recursive: true, force: true });
        }
        const outputDirectory = await mkdtemp(path.join(os.tmpdir(), `swe-mirror-stress-out-${run}-`));
        const events: PipelineEvent[] = [];
        try {
          await runPipeline({
            loaded: { ...configured, outputDirectory, storePath: path.join(outputDirectory, 'state.sqlite') },
            dataDirectory,
            reporter: { onEvent: (event) => events.push(event), close: () => undefined },
          });
          const lines = readFileSync(path.join(outputDirectory, 'tasks.jsonl'), 'utf8').trim().split('\n').filter(Boolean);
          outcomes.push({
            tasks: lines.map((line) => (JSON.parse(line) as { instance_id: string }).instance_id).sort(),
            failed: events.flatMap((event) => (event.type === 'item-done' && event.outcome === 'failed' ? [`${event.item}: ${event.detail ?? ''}`] : [])),
          });
        } finally {
          await rm(outputDirectory, { recursive: true, force: true });
        }
      }
    } finally {
      await rm(dataDirectory, { recursive: true, force: true });
    }
    const first = outcomes[0]?.tasks ?? [];
    expect(first).toHaveLength(10);
    expect(outcomes).toEqual(Array.from({ length: RUNS }, () => ({ tasks: first, failed: [] })));
  });
});

/**
 * SLOW end-to-end test of the offline demo (examples/demo): the README's main command, as a library call.
 * Runs the whole pipeline (prepare → collect → filter → mirror + verify → dedup → export) on the four
 * bundled fixture gyms (Python, Go, JavaScript, Rust) with the bundled PR records, every model answer replayed from
 * examples/demo/recording.jsonl, into a fresh output folder and a fresh data folder. Takes 2-4 minutes on
 * two cores (the Go gym's install dominates). Set SWE_MIRROR_SKIP_SLOW=1 to skip it.
 *
 * If it fails with a replay miss (MODEL_REPLAY_MISS, candidates left pending), a prompt template, a demo
 * PR or a fixture gym changed: regenerate the recording with `node --import tsx scripts/record-demo.ts`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { hasCommand } from '../support/commands.js';
import { loadRunConfig, type LoadedRunConfig } from '../../src/config/run-config.js';
import type { PipelineEvent } from '../../src/pipeline/events.js';
import { runPipeline, type RunPipelineResult } from '../../src/pipeline/run-pipeline.js';
import { exportFromStore } from '../../src/pipeline/export-from-store.js';
import { Store } from '../../src/store/store.js';
import { hasInteropPython, runInteropScript } from '../interop/python-venv.js';

const DEMO_CONFIG = path.resolve(import.meta.dirname, '..', '..', 'examples', 'demo', 'swe-mirror.yaml');

/** The tasks the demo was designed to produce, with the exact FAIL_TO_PASS of each. */
const EXPECTED_FAIL_TO_PASS: Record<string, string[]> = {
  'python-pytest__demo-upstream__pyversions-412': [
    'tests/test_ranges.py::test_caret_on_zero_major_keeps_the_minor',
    'tests/test_ranges.py::test_caret_on_zero_minor_keeps_the_patch',
  ],
  'python-pytest__demo-upstream__pyversions-438': ['tests/test_ranges.py::test_prerelease_mention_only_opts_in_its_own_patch_version'],
  'python-pytest__demo-upstream__pyversions-451': ['tests/test_ranges.py::test_partial_exclusive_upper_bound_excludes_the_whole_minor'],
  'go-stdlib__demo-upstream__muxpath-88': ['example.com/pathrouter/segment::TestCleanResolvesDotDot'],
  'go-stdlib__demo-upstream__muxpath-97': ['example.com/pathrouter::TestBacktrackingDropsParametersOfAbandonedRoutes'],
  'go-stdlib__demo-upstream__muxpath-103': ['example.com/pathrouter::TestStaticSegmentWinsOverParameterRegisteredFirst'],
  'js-node-test__demo-upstream__confparse-204': ['parse > options > types keeps empty and hexadecimal values as text'],
  // One candidate, two tasks: the mirror step's two samples were distinct usable bugs (mirror.samples: 2).
  'js-node-test__demo-upstream__confparse-219': ['parse > options > nested trims the parts of padded dotted headers'],
  'js-node-test__demo-upstream__confparse-219-v2': [
    'getValue > reads dotted paths',
    'parse > options > a repeated header continues its section',
    'parse > options > nested splits dotted section names',
    'stringify > round trips through parse',
  ],
  'rust-cargo__demo-upstream__calcexpr-31': ['eval::chained_powers_group_from_the_right', 'eval::exponent_may_be_signed'],
};

const isSkipped = process.env.SWE_MIRROR_SKIP_SLOW === '1' || !hasCommand('go') || !hasCommand('python3') || !hasCommand('cargo');


interface TaskLine {
  instance_id: string;
  FAIL_TO_PASS: string[];
  PASS_TO_PASS: string[];
  mirror_patch: string;
  patch: string;
  test_patch: string;
  problem_statement: string;
}

describe.skipIf(isSkipped)('the offline demo (slow)', () => {
  let loaded: LoadedRunConfig;
  let result: RunPipelineResult;
  const events: PipelineEvent[] = [];

  beforeAll(async () => {
    const configured = await loadRunConfig(DEMO_CONFIG);
    // Fresh output and data folders, outside any `test` path; the config's own paths (gyms, sources,
    // recording) stay as they are, resolved against examples/demo/.
    const outputDirectory = await mkdtemp(path.join(os.tmpdir(), 'swe-mirror-demo-out-'));
    const dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'swe-mirror-demo-data-'));
    loaded = { ...configured, outputDirectory, storePath: path.join(outputDirectory, 'state.sqlite') };
    result = await runPipeline({
      loaded,
      dataDirectory,
      reporter: { onEvent: (event) => events.push(event), close: () => undefined },
    });
  }, 600_000);

  it('verifies exactly the designed tasks, each with its own FAIL_TO_PASS', () => {
    const lines = readFileSync(path.join(loaded.outputDirectory, 'tasks.jsonl'), 'utf8').trim().split('\n');
    const tasks = lines.map((line) => JSON.parse(line) as TaskLine);
    const failToPass = Object.fromEntries(tasks.map((task) => [task.instance_id, [...task.FAIL_TO_PASS].sort()]));
    expect(failToPass).toEqual(EXPECTED_FAIL_TO_PASS);
    for (const task of tasks) {
      expect(task.mirror_patch).toMatch(/^diff --git /);
      expect(task.patch).toMatch(/^diff --git /);
      expect(task.test_patch).toMatch(/^diff --git /);
      expect(task.problem_statement).toMatch(/^# /);
      expect(task.PASS_TO_PASS.length).toBeGreaterThanOrEqual(18);
    }
    // The multi-sample candidate's two tasks are two different bugs, each with its own statement.
    const [first, second] = ['js-node-test__demo-upstream__confparse-219', 'js-node-test__demo-upstream__confparse-219-v2'].map((id) => tasks.find((task) => task.instance_id === id));
    expect(first?.test_patch).toBe(second?.test_patch);
    expect(first?.patch).not.toBe(second?.patch);
    expect(first?.problem_statement).toMatch(/^# Padded dotted section headers/);
    expect(second?.problem_statement).toMatch(/^# Opening a section a second time/);
  });

  it('writes the stats table and shows every kind of loss in the funnel', () => {
    expect(result.stats.funnel.totals).toEqual({ 'dropped-by-rules': 3, 'rejected-by-llm': 2, verified: 9 });
    expect(result.stats.funnel.candidates).toBe(14);
    expect(result.stats.funnel.tasksPerCandidate).toEqual({ candidates: 9, tasks: 10, mostFromOne: 2 });
    const losses = result.stats.funnel.topLosses.map((loss) => `${loss.stage}/${loss.rule}:${loss.count}`).sort();
    expect(losses).toEqual(['llm-filter/not-mirrorable:2', 'rules/no-linked-issue:1', 'rules/only-docs-ci-lock-or-tests:2']);
    const statsText = readFileSync(path.join(loaded.outputDirectory, 'stats.txt'), 'utf8');
    // Four language rows: language, repos, instances.
    expect(statsText).toMatch(/^go\s+1\s+3\s/m);
    expect(statsText).toMatch(/^javascript\s+1\s+3\s/m);
    expect(statsText).toMatch(/^python\s+1\s+3\s/m);
    expect(statsText).toMatch(/^rust\s+1\s+1\s/m);
    expect(existsSync(path.join(loaded.outputDirectory, 'stats.json'))).toBe(true);
    expect(events.filter((event) => event.type === 'item-done' && event.outcome === 'failed')).toEqual([]);
  });

  it('answers every model call from the recording', () => {
    const store = Store.open(loaded.storePath);
    try {
      const calls = store.database.prepare('SELECT step, cached FROM model_calls').all() as Array<{ step: string; cached: number }>;
      // 2 rejected + 9 mirrored by the filter, 6 steps for each of the 9 mirrored, one scripted retry, and
      // the statement of the multi-sample candidate's second variant.
      expect(calls).toHaveLength(11 + 6 * 9 + 1 + 1);
      expect(calls.filter((call) => call.cached !== 1)).toEqual([]);
      expect(result.stats.funnel.model.costUsd).toBe(0);
    } finally {
      store.close();
    }
  });

  it('keeps the retry with feedback in the attempt log of the candidate scripted to need one', () => {
    const store = Store.open(loaded.storePath);
    try {
      const rows = store.database.prepare('SELECT record_json FROM attempts').all() as Array<{ record_json: string }>;
      const attempts = rows.map((row) => JSON.parse(row.record_json) as { source: { number: number }; steps: Array<{ step: string; outcome: string; feedback?: string }>; commentsStripped?: number });
      const retried = attempts.flatMap((attempt) => attempt.steps.filter((step) => step.outcome === 'retry').map((step) => ({ number: attempt.source.number, ...step })));
      expect(retried).toHaveLength(1);
      expect(retried[0]).toMatchObject({ number: 412, step: 'mirror-generate' });
      expect(retried[0]?.feedback).toContain('The new tests still pass after your change');
      // The second answer's explanatory comment was stripped from the shipped mirror patch.
      expect(attempts.find((attempt) => attempt.source.number === 412)?.commentsStripped).toBe(1);
    } finally {
      store.close();
    }
  });

  // Ten tasks graded twice each (gold, empty), every log read by the swe-mirror CLI: minutes on a loaded two-core box.
  it.skipIf(!hasInteropPython)('is read by the real swebench, Multi-SWE-bench and datasets packages, and swebench grades gold resolved, empty not', async () => {
    const exportDirectory = path.join(loaded.outputDirectory, 'parquet-export');
    const store = Store.open(loaded.storePath);
    try {
      await exportFromStore(store, exportDirectory, { parquet: true });
    } finally {
      store.close();
    }
    const graded = runInteropScript('grade_with_swebench.py', path.join(exportDirectory, 'tasks.jsonl'), exportDirectory) as {
      results: Array<{ instance_id: string; gold: { resolved: boolean; exit_code: number }; empty: { resolved: boolean; exit_code: number } }>;
    };
    expect(graded.results.map((task) => task.instance_id).sort()).toEqual(Object.keys(EXPECTED_FAIL_TO_PASS).sort());
    // The suite's own failing exit code: 1 for pytest, go test and node --test, 101 for cargo test.
    for (const task of graded.results) {
      expect([task.instance_id, task.gold, task.empty]).toEqual([task.instance_id, expect.objectContaining({ resolved: true, exit_code: 0 }), expect.objectContaining({ resolved: false })]);
      expect([task.instance_id, task.empty.exit_code]).toEqual([task.instance_id, task.instance_id.startsWith('rust-cargo') ? 101 : 1]);
    }

    // Loading and registration are checked here; parsing a real eval log is test/interop/multi-swe-bench.test.ts's job.
    const multi = runInteropScript('load_with_multi_swe_bench.py', exportDirectory, path.join(exportDirectory, 'stats.txt')) as { records: Array<{ lang: string; f2p: string[] }> };
    expect(multi.records.map((record) => record.lang).sort()).toEqual(['go', 'go', 'go', 'javascript', 'javascript', 'javascript', 'python', 'python', 'python', 'rust']);
    expect(multi.records.every((record) => record.f2p.length > 0)).toBe(true);

    const loadedRows = runInteropScript('load_with_datasets.py', exportDirectory) as { rows: number[]; features: Record<string, string> };
    expect(loadedRows.rows).toEqual([10]);
    expect(loadedRows.features.cost_usd).toBe("Value('float64')");
  }, 1_200_000);
});

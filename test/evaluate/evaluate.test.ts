import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnAsync } from '../support/spawn-async.js';
import type { ExportResult } from '../../src/dataset/export.js';
import { evaluatePredictions, type EvaluateEvent } from '../../src/evaluate/evaluate.js';
import type { Prediction } from '../../src/evaluate/predictions.js';
import { ADD_FIX, ADD_TEST, BASE_TEST, MUL_FIX, MUL_NON_FIX, MUL_TEST, exportCalcTasks } from '../validate/calc-export.js';

const REPOSITORY_ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Fixes add and also breaks the PASS_TO_PASS test in tests/test_base.py (a file the hidden test patch does not touch). */
const ADD_FIX_BREAKING_BASE = `${ADD_FIX}diff --git a/tests/test_base.py b/tests/test_base.py\n--- a/tests/test_base.py\n+++ b/tests/test_base.py\n@@ -1,2 +1,2 @@\n def test_ok():\n-    assert True\n+    assert False\n`;
/** Leaves the bug and writes its own passing tests/test_mul.py, which the hidden test patch must replace. */
const MUL_FAKE_TEST = `diff --git a/tests/test_mul.py b/tests/test_mul.py\nnew file mode 100644\n--- /dev/null\n+++ b/tests/test_mul.py\n@@ -0,0 +1,2 @@\n+def test_mul():\n+    pass\n`;
const NOT_APPLYING = 'diff --git a/calc.py b/calc.py\n--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def nothing_like_this():\n-    return 42\n+    return 43\n';

function predictions(model: string, patches: Record<string, string>): Prediction[] {
  return Object.entries(patches).map(([instanceId, modelPatch]) => ({ instanceId, modelNameOrPath: model, modelPatch }));
}

describe('evaluatePredictions', () => {
  let exported: ExportResult;
  let dataDirectory: string;
  let outputDirectory: string;

  beforeAll(async () => {
    exported = await exportCalcTasks();
    dataDirectory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-evaluate-data-'));
    outputDirectory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-evaluate-out-'));
  });

  afterAll(async () => {
    for (const directory of [path.dirname(exported.sweBenchFile), dataDirectory, outputDirectory]) await rm(directory, { recursive: true, force: true });
  });

  it('resolves every task with the gold patches and writes SWE-bench report.json files and a summary', async () => {
    const result = await evaluatePredictions({
      tasksFile: exported.sweBenchFile,
      predictions: predictions('gold', { 'calc-add': ADD_FIX, 'calc-mul': MUL_FIX }),
      outputDirectory,
      dataDirectory,
    });
    expect(result.failures).toEqual([]);
    expect(result.summaries).toEqual([
      expect.objectContaining({ model_name_or_path: 'gold', total_instances: 2, submitted_instances: 2, completed_instances: 2, resolved_instances: 2, resolve_rate: 1, error_instances: 0 }),
    ]);
    const report = JSON.parse(await readFile(path.join(outputDirectory, 'swe-mirror', 'gold', 'calc-add', 'report.json'), 'utf8')) as Record<string, unknown>;
    expect(report).toEqual({
      'calc-add': {
        patch_is_None: false,
        patch_exists: true,
        patch_successfully_applied: true,
        resolved: true,
        tests_status: {
          FAIL_TO_PASS: { success: [ADD_TEST], failure: [] },
          PASS_TO_PASS: { success: [BASE_TEST], failure: [] },
          FAIL_TO_FAIL: { success: [], failure: [] },
          PASS_TO_FAIL: { success: [], failure: [] },
        },
        sandbox: { isolated: result.sandbox.isolated, unsafe_no_sandbox: false, missing: result.sandbox.missing },
      },
    });
    const summary = JSON.parse(await readFile(path.join(outputDirectory, 'gold.swe-mirror.json'), 'utf8')) as Record<string, unknown>;
    expect(summary).toMatchObject({ resolved_ids: ['calc-add', 'calc-mul'], schema_version: 2 });
    expect(await readFile(path.join(outputDirectory, 'swe-mirror', 'gold', 'calc-add', 'test_output.txt'), 'utf8')).toContain('test_add');
  });

  it('grades empty, P2P-breaking, non-fixing, test-faking and non-applying patches as unresolved, over all tasks', async () => {
    const result = await evaluatePredictions({
      tasksFile: exported.sweBenchFile,
      predictions: [
        ...predictions('empty', { 'calc-add': '', 'calc-mul': '' }),
        ...predictions('breaks-p2p', { 'calc-add': ADD_FIX_BREAKING_BASE }),
        ...predictions('partial', { 'calc-add': ADD_FIX, 'calc-mul': MUL_NON_FIX }),
        ...predictions('fakes-tests', { 'calc-mul': MUL_FAKE_TEST }),
        ...predictions('no-apply', { 'calc-add': NOT_APPLYING, 'calc-mul': MUL_FIX }),
      ],
      outputDirectory,
      dataDirectory,
      workers: 2,
    });
    const summary = (model: string) => result.summaries.find((entry) => entry.model_name_or_path === model);
    const evaluation = (model: string, id: string) => result.evaluations.find((entry) => entry.modelNameOrPath === model && entry.instanceId === id);

    expect(summary('empty')).toMatchObject({ total_instances: 2, resolved_instances: 0, empty_patch_instances: 2, completed_instances: 0, resolve_rate: 0 });
    // Submitted for one task of two: the rate is still over both.
    expect(summary('breaks-p2p')).toMatchObject({ total_instances: 2, submitted_instances: 1, completed_instances: 1, resolved_instances: 0, unresolved_instances: 1 });
    expect(evaluation('breaks-p2p', 'calc-add')).toMatchObject({
      resolved: false,
      resolution: 'NO',
      testsStatus: { FAIL_TO_PASS: { success: [ADD_TEST], failure: [] }, PASS_TO_PASS: { success: [], failure: [BASE_TEST] } },
    });
    expect(summary('partial')).toMatchObject({ resolved_instances: 1, unresolved_ids: ['calc-mul'], resolve_rate: 0.5 });
    // The hidden test file replaces the patch's own version of it.
    expect(evaluation('fakes-tests', 'calc-mul')).toMatchObject({ patchApplied: true, resolved: false, testsStatus: { FAIL_TO_PASS: { failure: [MUL_TEST] } } });
    expect(summary('no-apply')).toMatchObject({ resolved_instances: 1, error_instances: 1, error_ids: ['calc-add'], completed_instances: 1 });
    expect(evaluation('no-apply', 'calc-add')).toMatchObject({ patchExists: true, patchApplied: false, resolved: false, error: { code: 'PATCH_DOES_NOT_APPLY' } });
    expect(result.failures).toEqual([]);
  });

  it('resumes: a rerun reuses finished reports for the same patch and evaluates a changed one again', async () => {
    const first: EvaluateEvent[] = [];
    const input = { tasksFile: exported.sweBenchFile, outputDirectory, dataDirectory, runId: 'resume' };
    await evaluatePredictions({ ...input, predictions: predictions('m', { 'calc-add': ADD_FIX, 'calc-mul': MUL_NON_FIX }), onEvent: (event) => first.push(event) });
    const second: EvaluateEvent[] = [];
    const result = await evaluatePredictions({ ...input, predictions: predictions('m', { 'calc-add': ADD_FIX, 'calc-mul': MUL_FIX }), onEvent: (event) => second.push(event) });
    const resumed = (events: EvaluateEvent[]) => events.flatMap((event) => (event.type === 'instance-done' ? [[event.evaluation.instanceId, event.isResumed]] : [])).sort();
    expect(resumed(first)).toEqual([['calc-add', false], ['calc-mul', false]]);
    expect(resumed(second)).toEqual([['calc-add', true], ['calc-mul', false]]);
    expect(result.summaries[0]).toMatchObject({ resolved_instances: 2 });
  });

  it('reads JSONL and preds.json predictions through the CLI, warns about unknown ids, and prints the resolve rate', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-evaluate-cli-'));
    const jsonl = path.join(directory, 'preds.jsonl');
    await writeFile(jsonl, `${JSON.stringify({ instance_id: 'calc-add', model_name_or_path: 'cli', model_patch: ADD_FIX })}\n${JSON.stringify({ instance_id: 'nope', model_name_or_path: 'cli', model_patch: ADD_FIX })}\n`);
    const object = path.join(directory, 'preds.json');
    await writeFile(object, JSON.stringify({ 'calc-mul': { model_name_or_path: 'obj', model_patch: MUL_FIX } }, null, 2));
    const run = (file: string) =>
      spawnAsync(process.execPath, ['--import', 'tsx', path.join(REPOSITORY_ROOT, 'src', 'cli', 'main.ts'), 'evaluate', '--tasks', exported.sweBenchFile, '--predictions', file, '--output', path.join(directory, 'out'), '--data-dir', dataDirectory], {
        cwd: REPOSITORY_ROOT,
        encoding: 'utf8',
      });
    const fromJsonl = await run(jsonl);
    expect(fromJsonl.stderr).toContain('prediction for nope (cli) names no task');
    expect(fromJsonl.stdout).toContain('cli: resolved 1/2 (50.0%)');
    expect(fromJsonl.status).toBe(0);
    const fromObject = await run(object);
    expect(fromObject.stdout).toContain('obj: resolved 1/2 (50.0%)');
    const gold = await run('gold');
    expect(gold.stdout).toContain('gold: resolved 2/2 (100%)');
    await rm(directory, { recursive: true, force: true });
  });
});

import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExportResult } from '../../src/dataset/export.js';
import { calcTasks, exportCalcTasks } from '../validate/calc-export.js';
import { SKIP_REASON, hasInteropPython, runInteropScript } from './python-venv.js';

const exports: ExportResult[] = [];
afterAll(async () => {
  for (const exported of exports) await rm(path.dirname(exported.sweBenchFile), { recursive: true, force: true });
});

describe.skipIf(!hasInteropPython)(`Hugging Face datasets reads export --format parquet${hasInteropPython ? '' : ` (skipped: ${SKIP_REASON})`}`, () => {
  it('loads two exports whose costs are an integer and a float, and concatenates them with one schema', async () => {
    // One run's tasks all cost 0 (an integer in JSON), the other's a fraction: in JSONL the types differ, here not.
    const free = calcTasks().map((task) => ({ ...task, costUsd: 0 }));
    const paid = calcTasks().map((task, index) => ({ ...task, instanceId: `${task.instanceId}-paid`, costUsd: 0.125 * (index + 1) }));
    exports.push(await exportCalcTasks(free, { parquet: true }), await exportCalcTasks(paid, { parquet: true }));
    const result = runInteropScript('load_with_datasets.py', ...exports.map((exported) => path.dirname(exported.sweBenchFile))) as {
      rows: number[];
      joined: number;
      features: Record<string, string>;
      same_features: boolean;
      first: { instance_id: string; FAIL_TO_PASS: string[]; cost_usd: number; report_file: string | null };
    };
    expect(result.rows).toEqual([2, 2]);
    expect(result.joined).toBe(4);
    expect(result.same_features).toBe(true);
    expect(result.features).toMatchObject({
      cost_usd: "Value('float64')",
      FAIL_TO_PASS: "List(Value('string'))",
      PASS_TO_PASS: "List(Value('string'))",
      source_issues: "List(Value('int64'))",
      source_pr_number: "Value('int64')",
      report_file: "Value('string')",
      image_name: "Value('string')",
    });
    expect(Object.values(result.features).filter((feature) => feature.includes('null'))).toEqual([]);
    expect(result.first).toEqual({ instance_id: 'calc-add', FAIL_TO_PASS: ['tests/test_add.py::test_add'], cost_usd: 0, report_file: null });
  }, 180_000);

  it('keeps the JSON-string form of the test lists when asked, as a string column', async () => {
    exports.push(await exportCalcTasks(calcTasks(), { parquet: true, listsAsJsonStrings: true }));
    const result = runInteropScript('load_with_datasets.py', path.dirname(exports.at(-1)!.sweBenchFile)) as { features: Record<string, string>; first: { FAIL_TO_PASS: string } };
    expect(result.features.FAIL_TO_PASS).toBe("Value('string')");
    expect(JSON.parse(result.first.FAIL_TO_PASS)).toEqual(['tests/test_add.py::test_add']);
  }, 180_000);
});

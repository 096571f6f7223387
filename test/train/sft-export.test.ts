import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTrajectories, type TrajectoryRecord } from '../../src/agent/trajectory.js';
import { exportSft, filterTrajectories } from '../../src/train/sft-export.js';
import { applyStrategy } from '../../src/train/sft-strategies.js';

// Recorded by `rollout` (test/agent/scripted-agent.ts solveCalcAdd, 2 trials) on the calc export: 6 assistant
// turns, the 1st (unparsable arguments) and the 3rd (old_str not found) erroneous.
const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'calc-add-trajectories.jsonl');
const PYTHON = process.env.SWE_MIRROR_DATASETS_PYTHON ?? 'python3';
const hasDatasets = spawnSync(PYTHON, ['-c', 'import datasets'], { encoding: 'utf8' }).status === 0;

type Row = { messages: Array<Record<string, unknown>>; message_weights?: number[] };

async function readRows(file: string): Promise<Row[]> {
  return (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Row);
}

describe('sft-export on recorded trajectories', () => {
  let directory: string;
  let records: TrajectoryRecord[];

  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-sft-'));
    records = await readTrajectories(FIXTURE);
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('plans each strategy on exactly the erroneous turns', () => {
    const messages = records[0]?.messages ?? [];
    const assistantsOf = (strategy: 'mask' | 'prune' | 'response-only') => applyStrategy(messages, strategy).filter(({ message }) => message.role === 'assistant');
    expect(assistantsOf('mask').map(({ isTrained }) => isTrained)).toEqual([false, true, false, true, true, true]);
    expect(assistantsOf('response-only').map(({ isTrained }) => isTrained)).toEqual([true, true, true, true, true, true]);
    const pruned = applyStrategy(messages, 'prune');
    expect(pruned.filter(({ message }) => message.role === 'assistant')).toHaveLength(4);
    expect(pruned.some(({ message }) => message.error !== undefined || message.is_error_observation)).toBe(false);
    expect(pruned).toHaveLength(messages.length - 4);
    expect(pruned.filter(({ isTrained }) => isTrained)).toHaveLength(4);
  });

  it('filters on success: paper or resolved, and never an unfinished episode', () => {
    const unfinished = { ...records[0], exit_reason: 'max-rounds' } as TrajectoryRecord;
    const unresolved = { ...records[0], evaluation: { ...records[0]!.evaluation!, resolved: false } } as TrajectoryRecord;
    expect(filterTrajectories([...records, unfinished, unresolved], 'paper')).toHaveLength(3);
    expect(filterTrajectories([...records, unfinished, unresolved], 'resolved')).toHaveLength(2);
    expect(filterTrajectories([...records, unfinished], 'all')).toHaveLength(3);
  });

  it('writes every strategy in every format with the mask under each trainer\'s field name', async () => {
    const result = await exportSft({ trajectoriesFile: FIXTURE, outputDirectory: directory });
    expect(result).toMatchObject({ trajectories: 2, kept: 2 });
    expect(result.files).toHaveLength(18);
    const rows = (strategy: string, format: string) => readRows(path.join(directory, strategy, `${format}.jsonl`));
    const assistantField = async (strategy: string, format: string, field: string) =>
      (await rows(strategy, format))[0]!.messages.filter((message) => message.role === 'assistant').map((message) => message[field]);

    expect(await assistantField('mask', 'openai', 'weight')).toEqual([0, 1, 0, 1, 1, 1]);
    expect(await assistantField('prune', 'openai', 'weight')).toEqual([1, 1, 1, 1]);
    expect(await assistantField('response-only', 'openai', 'weight')).toEqual([1, 1, 1, 1, 1, 1]);
    expect(await assistantField('mask', 'axolotl', 'training')).toEqual([false, true, false, true, true, true]);
    expect(await assistantField('mask', 'llama-factory', 'loss_weight')).toEqual([0, 1, 0, 1, 1, 1]);
    expect(await assistantField('mask', 'sharegpt-text', 'turn_mask')).toEqual([true, false, true, false, false, false]);
    expect(await assistantField('mask', 'torchtune', 'masked')).toEqual([true, false, true, false, false, false]);
    const trl = (await rows('mask', 'trl'))[0]!;
    expect(trl.messages.flatMap((message, index) => (message.role === 'assistant' ? [trl.message_weights?.[index]] : []))).toEqual([0, 1, 0, 1, 1, 1]);

    // The erroneous output is kept verbatim (masked, not rewritten), and the text mode alternates strictly.
    const openai = (await rows('mask', 'openai'))[0]!;
    expect(JSON.stringify(openai.messages[2])).toContain('{\\"command\\": \\"cat calc.py\\"');
    const text = (await rows('mask', 'sharegpt-text'))[0]!.messages.map((message) => message.role);
    expect(text.slice(1).every((role, index) => role === (index % 2 === 0 ? 'user' : 'assistant'))).toBe(true);
    expect(JSON.stringify((await rows('mask', 'sharegpt-text'))[0])).toContain('<function=str_replace_editor>');
    // Pruned data has no trace of the errors.
    expect(JSON.stringify(await rows('prune', 'axolotl'))).not.toContain('did not appear verbatim');
  });

  it.skipIf(!hasDatasets)('loads every file with the Python datasets library (set SWE_MIRROR_DATASETS_PYTHON to a python with datasets)', async () => {
    const script = path.join(directory, 'load.py');
    await writeFile(
      script,
      `import json, sys, glob
from datasets import load_dataset
out = {}
for file in sorted(glob.glob(sys.argv[1] + "/*/*.jsonl")):
    dataset = load_dataset("json", data_files=file, split="train")
    first = dataset[0]
    out[file[len(sys.argv[1]) + 1:]] = {"rows": len(dataset), "columns": sorted(dataset.column_names), "roles": [m["role"] for m in first["messages"]]}
print(json.dumps(out))
`,
    );
    const run = spawnSync(PYTHON, [script, directory], { encoding: 'utf8' });
    expect(run.stderr).not.toMatch(/Error/);
    const loaded = JSON.parse(run.stdout) as Record<string, { rows: number; columns: string[]; roles: string[] }>;
    expect(Object.keys(loaded)).toHaveLength(18);
    for (const entry of Object.values(loaded)) expect(entry.rows).toBe(2);
    expect(loaded['mask/openai.jsonl']?.columns).toEqual(['messages', 'parallel_tool_calls', 'tools']);
    expect(loaded['mask/trl.jsonl']?.columns).toEqual(['instance_id', 'message_weights', 'messages', 'tools']);
    expect(loaded['prune/sharegpt-text.jsonl']?.roles[0]).toBe('system');
  }, 120_000);
});

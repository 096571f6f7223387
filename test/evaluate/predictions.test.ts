import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPredictions } from '../../src/evaluate/predictions.js';

describe('readPredictions', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-predictions-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });
  const write = async (name: string, text: string) => {
    const file = path.join(directory, name);
    await writeFile(file, text);
    return file;
  };

  it('reads a JSON list, keeps the first of repeated predictions, and treats a null patch as empty', async () => {
    const file = await write(
      'list.json',
      JSON.stringify([
        { instance_id: 'a', model_name_or_path: 'm', model_patch: 'diff 1', cost: 3 },
        { instance_id: 'a', model_name_or_path: 'm', model_patch: 'diff 2' },
        { instance_id: 'b', model_name_or_path: 'm', model_patch: null },
      ]),
    );
    const result = await readPredictions(file);
    expect(result.predictions).toEqual([
      { instanceId: 'a', modelNameOrPath: 'm', modelPatch: 'diff 1' },
      { instanceId: 'b', modelNameOrPath: 'm', modelPatch: '' },
    ]);
    expect(result.warnings).toEqual(['entry 2 repeats a for m; the first one is evaluated']);
  });

  it('refuses a line that is not JSON or not a prediction, naming it', async () => {
    await expect(readPredictions(await write('bad.jsonl', '{"instance_id":"a","model_patch":""}\nnot json\n'))).rejects.toMatchObject({ code: 'EVALUATE_PREDICTIONS_INVALID', message: expect.stringContaining('line 2') });
    await expect(readPredictions(await write('shape.jsonl', '{"model_patch":""}\n{"instance_id":"b"}\n'))).rejects.toMatchObject({ message: expect.stringContaining('entry 1') });
    await expect(readPredictions(path.join(directory, 'missing.json'))).rejects.toMatchObject({ code: 'EVALUATE_PREDICTIONS_NOT_FOUND' });
  });
});

import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRunConfig } from '../../src/config/run-config.js';
import { SweMirrorError } from '../../src/core/errors.js';
import type { PipelineEvent } from '../../src/pipeline/events.js';
import { prepareGyms } from '../../src/pipeline/prepare-gyms.js';
import { createLocalRuntime } from '../../src/runtime/local.js';
import { Store } from '../../src/store/store.js';
import { writePythonGym } from '../gym/python-gym-fixture.js';

describe('prepareGyms', () => {
  it('skips a gym that fails to prepare, with its reason, and prepares the rest', async () => {
    const good = await writePythonGym(['baselineRuns: 1']);
    const failing = await writePythonGym(['baselineRuns: 1']);
    const failingSpec = (await readFile(failing.specPath, 'utf8'))
      .replace('name: calc', 'name: broken-install')
      .replace('  - mkdir -p node_modules && echo installed >> node_modules/.install-count', `  - 'echo "no such package: left-pad" >&2; exit 4'`);
    await writeFile(failing.specPath, failingSpec);
    const invalidSpec = path.join(await mkdtemp(path.join(tmpdir(), 'swe-mirror-invalid-')), 'gym.yaml');
    await writeFile(invalidSpec, 'name: nothing-else\n');

    const store = Store.open(':memory:');
    const events: PipelineEvent[] = [];
    const gyms = await prepareGyms({
      specPaths: [invalidSpec, failing.specPath, good.specPath],
      store,
      runtime: createLocalRuntime(),
      dataDirectory: good.dataDirectory,
      reporter: { onEvent: (event) => events.push(event), close: () => undefined },
    });

    expect([...gyms.keys()]).toEqual(['calc']);
    const failed = events.filter((event) => event.type === 'item-done' && event.outcome === 'failed');
    expect(failed.map((event) => (event.type === 'item-done' ? event.item : ''))).toEqual([invalidSpec, 'broken-install']);
    expect(failed[0]?.type === 'item-done' && failed[0].detail).toMatch(/skipped: .*not a valid gym spec/s);
    expect(failed[1]?.type === 'item-done' && failed[1].detail).toMatch(/no such package: left-pad/);
    expect(store.listGyms().map((gym) => [gym.name, gym.status])).toEqual([
      ['broken-install', 'failed'],
      ['calc', 'prepared'],
    ]);
    expect(store.listGyms()[0]?.error).toMatch(/exited with 4/);
    store.close();
  });
});

describe('loadRunConfig', () => {
  it('reports every problem of an invalid config at once, with where it is', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'swe-mirror-config-')), 'swe-mirror.yaml');
    await writeFile(file, ['gyms: []', 'sources:', '  - type: jsonl', '  - type: ftp', 'concurrency: { model: 0 }', 'colour: blue'].join('\n'));
    const error = await loadRunConfig(file).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SweMirrorError);
    const problems = ((error as SweMirrorError).details.problems as string[]).join('\n');
    expect(problems).toMatch(/^gyms:/m);
    expect(problems).toMatch(/^sources\.0\.path:/m);
    expect(problems).toMatch(/^sources\.1\.type:/m);
    expect(problems).toMatch(/^concurrency\.model:/m);
    expect(problems).toMatch(/colour/);
    expect((error as SweMirrorError).message).toContain(file);
  });
});

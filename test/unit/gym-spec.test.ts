import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGymSpec } from '../../src/config/load-gym-spec.js';
import { SweMirrorError } from '../../src/core/errors.js';

async function writeSpec(text: string): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-spec-'));
  const file = path.join(directory, 'gym.yaml');
  await writeFile(file, text);
  await mkdir(path.join(directory, 'code'));
  return file;
}

describe('loadGymSpec', () => {
  it('applies defaults and resolves a local repo next to the spec', async () => {
    const file = await writeSpec(
      ['name: demo', 'language: python', 'repo: ./code', 'test:', '  command: pytest -rA', '  report: { format: pytest-ra }', 'testFiles: ["tests/**"]'].join('\n'),
    );
    const loaded = await loadGymSpec(file);
    expect(loaded.spec.timeLimitSeconds).toBe(300);
    expect(loaded.spec.memoryLimitMB).toBe(1024);
    expect(loaded.spec.baselineRuns).toBe(3);
    expect(loaded.isRemote).toBe(false);
    expect(loaded.repoLocation).toBe(path.join(path.dirname(file), 'code'));
  });

  it('refuses a local repo that does not exist, naming it', async () => {
    const file = await writeSpec(
      ['name: demo', 'language: python', 'repo: ./missing', 'test:', '  command: pytest -rA', '  report: { format: pytest-ra }', 'testFiles: ["tests/**"]'].join('\n'),
    );
    const error = await loadGymSpec(file).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SweMirrorError);
    expect((error as SweMirrorError).code).toBe('GYM_REPO_NOT_FOUND');
    expect((error as SweMirrorError).kind).toBe('user');
    expect((error as SweMirrorError).message).toContain(path.join(path.dirname(file), 'missing'));
  });

  it('reports every problem at once', async () => {
    const file = await writeSpec(['name: "bad name!"', 'language: cobol', 'test:', '  report: { format: xml }', 'bogus: 1'].join('\n'));
    const error = await loadGymSpec(file).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SweMirrorError);
    const problems = (error as SweMirrorError).details.problems as string[];
    const joined = problems.join('\n');
    expect(joined).toMatch(/^name:/m);
    expect(joined).toMatch(/^language:/m);
    expect(joined).toMatch(/^repo:/m);
    expect(joined).toMatch(/^test\.command:/m);
    expect(joined).toMatch(/^test\.report\.format:/m);
    expect(joined).toMatch(/^testFiles:/m);
    expect(joined).toMatch(/bogus/);
  });

  it('names a missing file and says what to pass', async () => {
    const error = await loadGymSpec('/nonexistent/gym.yaml').catch((caught: unknown) => caught);
    expect((error as SweMirrorError).code).toBe('GYM_SPEC_NOT_FOUND');
  });
});

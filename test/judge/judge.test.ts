import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJudgement } from '../../src/judge/judge-task.js';
import { compareJudgementsWithLabels } from '../../src/judge/labels.js';
import type { StoredJudgement } from '../../src/judge/judgement-store.js';
import { loadPromptTemplate } from '../../src/prompts/templates.js';
import { startScriptedOpenAiServer, type ScriptedServer } from '../../src/testing/index.js';
import { pythonResponder, runCli, writePipelineConfig } from '../support/pipeline-cli.js';

// Slow: a real pipeline run of the python fixture gym with the judge on, against a scripted OpenAI-protocol model.

const JUDGE_PREFIX = loadPromptTemplate('judge-faithfulness').user.split('{{')[0]!.trim();

function userMessage(body: unknown): string {
  return (body as { messages: Array<{ role: string; content: string }> }).messages.find((message) => message.role === 'user')?.content ?? '';
}

describe('the faithfulness judge in a run', { timeout: 600_000 }, () => {
  let server: ScriptedServer;
  const judgeRequests: string[] = [];

  beforeAll(async () => {
    const answer = pythonResponder();
    server = await startScriptedOpenAiServer({
      responses: (body) => {
        const text = userMessage(body);
        if (text.trim().startsWith(JUDGE_PREFIX)) {
          judgeRequests.push(text);
          return 'Here is my grade:\n```json\n{"consistency": "moderate", "reason": "Same pre-release ordering problem, but the statement drifts to sorting."}\n```';
        }
        return answer(body);
      },
    });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('grades each verified task, exports the grade, filters by mirror.minConsistency, and compares with hand labels', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-judge-'));
    const env = { SWE_MIRROR_DATA_DIR: await mkdtemp(path.join(tmpdir(), 'swe-mirror-judge-data-')) };
    const config = await writePipelineConfig(directory, server.url, { extraLines: ['mirror: { judge: true }'] });
    const run = await runCli(['run', '--config', config, '--progress', 'plain'], { env });
    expect(run.code, run.output).toBe(0);
    expect(judgeRequests).toHaveLength(1);
    // The judge sees the source PR and issue beside the task's statement and fix.
    expect(judgeRequests[0]).toContain('example/versionkit#412');
    expect(judgeRequests[0]).toContain('## Problem statement shown to solvers');
    const tasksFile = path.join(directory, 'out', 'tasks.jsonl');
    const [task] = (await readFile(tasksFile, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(task).toMatchObject({ consistency: 'moderate', consistency_reason: expect.stringContaining('pre-release ordering') });

    // A stricter minimum: nothing is judged again (the grade is stored), and the moderate task is left out of the export.
    await writeFile(config, (await readFile(config, 'utf8')).replace('mirror: { judge: true }', 'mirror: { judge: true, minConsistency: high }'));
    const strict = await runCli(['run', '--config', config, '--progress', 'plain'], { env });
    expect(strict.code, strict.output).toBe(0);
    expect(judgeRequests).toHaveLength(1);
    expect((await readFile(tasksFile, 'utf8')).trim()).toBe('');

    // Hand labels in the viewer's audit format: the person says high, the judge said moderate.
    const labels = path.join(directory, 'labels.jsonl');
    const mark = { schema_version: 1, instance_id: task!.instance_id, label: 'high', note: '', gym: 'python-pytest', source_repo: 'example/versionkit', source_number: 412, marked_at: '2026-01-01T00:00:00Z' };
    await writeFile(labels, `${JSON.stringify(mark)}\n`);
    const judged = await runCli(['judge', '--config', config, '--labels', labels]);
    expect(judged.code, judged.output).toBe(0);
    expect(judged.stdout).toContain('1 task(s) judged: high 0 (0.0%), moderate 1 (100.0%), inconsistent 0 (0.0%)');
    expect(judged.stdout).toMatch(/judge: moderate\s+1\s+0\s+0/);
    expect(judged.stdout).toContain('exact agreement 0.0%   "acceptable" (high or moderate): precision 100.0%   recall 100.0%');
    const json = JSON.parse((await runCli(['judge', '--config', config, '--labels', labels, '--json'])).stdout) as { comparison: { matrix: Record<string, Record<string, number>> } };
    expect(json.comparison.matrix.moderate?.high).toBe(1);

    const bad = path.join(directory, 'bad-labels.jsonl');
    await writeFile(bad, '{"instance_id": "x", "label": "great"}\n');
    const refused = await runCli(['judge', '--config', config, '--labels', bad]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('bad line');
  });
});

describe('parseJudgement', () => {
  it('reads JSON, fenced JSON, line answers and synonyms; garbage is unreadable, not a crash', () => {
    expect(parseJudgement('{"consistency": "high", "reason": "same bug"}')).toEqual({ kind: 'grade', consistency: 'high', reason: 'same bug' });
    expect(parseJudgement('```json\n{"grade": "Moderate."}\n```')).toMatchObject({ kind: 'grade', consistency: 'moderate' });
    expect(parseJudgement('**Consistency:** inconsistent\nReason: a different bug')).toEqual({ kind: 'grade', consistency: 'inconsistent', reason: 'a different bug' });
    expect(parseJudgement('I think it is fine.')).toMatchObject({ kind: 'unreadable' });
    expect(parseJudgement('{"consistency": "excellent"}')).toMatchObject({ kind: 'unreadable' });
  });
});

describe('compareJudgementsWithLabels', () => {
  const judgement = (instanceId: string, consistency: StoredJudgement['consistency']): [string, StoredJudgement] => [
    instanceId,
    { instanceId, consistency, reason: 'r', model: 'm', promptVersion: 1, costUsd: 0, createdAt: '' },
  ];
  it('counts the matrix and precision/recall of "acceptable" (high or moderate)', () => {
    const judgements = new Map([judgement('a', 'high'), judgement('b', 'moderate'), judgement('c', 'inconsistent'), judgement('d', 'high'), judgement('e', 'unreadable')]);
    const labels = new Map(Object.entries({ a: { label: 'high' }, b: { label: 'inconsistent' }, c: { label: 'moderate' }, d: { label: 'high' }, e: { label: 'high' }, f: { label: 'high' } } as const));
    const comparison = compareJudgementsWithLabels(judgements, labels);
    expect(comparison.matrix.high.high).toBe(2);
    expect(comparison.matrix.moderate.inconsistent).toBe(1);
    expect(comparison.matrix.inconsistent.moderate).toBe(1);
    expect(comparison.unjudged).toBe(2);
    expect(comparison.agreement).toBe(0.5);
    // Acceptable: judge a, b, d; label a, c, d → TP 2, FP 1 (b), FN 1 (c).
    expect(comparison.precision).toBeCloseTo(2 / 3);
    expect(comparison.recall).toBeCloseTo(2 / 3);
  });
});

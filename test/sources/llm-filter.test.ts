import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadGymSpec } from '../../src/config/load-gym-spec.js';
import { collectCandidates, readCandidates } from '../../src/sources/collect-candidates.js';
import { readGymContext } from '../../src/sources/gym-context.js';
import { createJsonlSource } from '../../src/sources/jsonl.js';
import { compareWithLabels, formatLabelComparison, readLabels } from '../../src/sources/labels.js';
import { buildMirrorabilityMessages, judgeMirrorability } from '../../src/sources/llm-filter.js';
import { createScriptedModel } from '../../src/testing/scripted-model.js';
import { RECORD_SCHEMA_VERSION, type Candidate, type SourcePR } from '../../src/core/records.js';
import { codeDiff, makeGym, makeTemporaryDirectory } from './helpers.js';

function pr(number: number, diff = codeDiff('src/parse.py')): SourcePR {
  return {
    schemaVersion: RECORD_SCHEMA_VERSION,
    repo: 'acme/tool',
    number,
    title: `Fix ${number}`,
    body: 'Handles a leading v.',
    issues: [{ number: 100 + number, title: 'parse fails', body: 'parse("v1") raises' }],
    diff,
    mergedAt: '2024-01-01T00:00:00Z',
    url: '',
    origin: 'jsonl',
  };
}

async function gymContext() {
  const gym = await makeGym();
  return readGymContext(await loadGymSpec(gym.specPath));
}

describe('LLM mirrorability filter', () => {
  it('puts the PR, the linked issue, the gym README and its test files in the prompt, and records the prompt version', async () => {
    const gym = await gymContext();
    const { messages, promptVersion } = await buildMirrorabilityMessages(pr(1), gym);
    const user = messages.at(-1)?.content ?? '';
    expect(promptVersion).toBe(1);
    expect(user).toContain('acme/tool#1: Fix 1');
    expect(user).toContain('parse("v1") raises');
    expect(user).toContain('Parse, compare and bump semantic version strings');
    expect(user).toContain('- tests/test_parse.py');
    expect(user).toContain('+++ b/src/parse.py');
    expect(user).not.toContain('{{');
  });

  it('truncates a long diff at hunk boundaries', async () => {
    const gym = await gymContext();
    const hunks = Array.from({ length: 400 }, (_, index) => `@@ -${index * 10 + 1},1 +${index * 10 + 1},1 @@\n-old ${index} ${'x'.repeat(40)}\n+new ${index} ${'y'.repeat(40)}`);
    const diff = ['diff --git a/src/a.py b/src/a.py', '--- a/src/a.py', '+++ b/src/a.py', ...hunks].join('\n');
    const { messages } = await buildMirrorabilityMessages(pr(1, diff), gym);
    const user = messages.at(-1)?.content ?? '';
    expect(user.length).toBeLessThan(diff.length);
    expect(user).toMatch(/hunk\(s\) left out/);
    expect(user).not.toMatch(/-old \d+ x+\n(?!\+new)/);
  });

  it('turns yes, no and garbage into verdicts; garbage is an error verdict, not a crash', async () => {
    const gym = await gymContext();
    const model = createScriptedModel(['{"mirrorable": true, "reason": "same parsing logic"}', 'Answer: no\nReason: only an error message changes', 'I like turtles.']);
    expect(await judgeMirrorability(model, pr(1), gym)).toEqual({ kept: true, reason: 'same parsing logic' });
    expect(await judgeMirrorability(model, pr(2), gym)).toEqual({ kept: false, reason: 'only an error message changes' });
    const garbage = await judgeMirrorability(model, pr(3), gym);
    expect(garbage.kept).toBe(false);
    expect(garbage.error).toContain('I like turtles');
  });

  it('runs inside collect on rule survivors only, and compares with hand labels', async () => {
    const gym = await gymContext();
    const work = await makeTemporaryDirectory('llm-filter');
    const input = path.join(work, 'rows.jsonl');
    const row = (number: number, file: string) => JSON.stringify({ org: 'acme', repo: 'tool', number, title: `PR ${number}`, body: '', fix_patch: codeDiff(file), resolved_issues: [{ number: 1, title: 't', body: 'b' }] });
    await writeFile(input, [row(1, 'src/a.py'), row(2, 'src/b.py'), row(3, 'README.md'), row(4, 'src/c.py'), row(5, 'src/d.py')].join('\n') + '\n');
    const model = createScriptedModel(['{"mirrorable": true, "reason": "r1"}', '{"mirrorable": false, "reason": "r2"}', '{"mirrorable": true, "reason": "r4"}', 'garbage']);
    const out = path.join(work, 'out.jsonl');
    const result = await collectCandidates({ gym, source: createJsonlSource(input), outputPath: out, llmFilter: { model } });
    expect(model.calls).toHaveLength(4);
    expect(result.run).toMatchObject({ seen: 5, passedRules: 4, rejectedByLlm: 1, llmErrors: 1, kept: 2 });
    const { candidates } = await readCandidates(out);
    expect(candidates.find((candidate) => candidate.source.number === 3)?.llmVerdict).toBeUndefined();

    const labels = path.join(work, 'labels.jsonl');
    await writeFile(
      labels,
      ['{"repo":"acme/tool","number":1,"mirrorable":true}', '{"repo":"acme/tool","number":2,"mirrorable":true}', '{"repo":"acme/tool","number":4,"mirrorable":false}', '{"repo":"acme/tool","number":5,"mirrorable":true}', '{"repo":"acme/tool","number":3,"mirrorable":false}'].join('\n'),
    );
    const comparison = compareWithLabels(candidates, await readLabels(labels));
    expect(comparison).toMatchObject({ truePositives: 1, falsePositives: 1, falseNegatives: 1, trueNegatives: 0, unjudged: 2, precision: 0.5, recall: 0.5 });
    expect(comparison.disagreements.map((disagreement) => disagreement.number)).toEqual([2, 4]);
    expect(formatLabelComparison(comparison).join('\n')).toMatch(/precision 50\.0%\s+recall 50\.0%/);
  });

  it('computes precision and recall on a larger labelled set', () => {
    const candidate = (number: number, kept: boolean): Candidate => ({ schemaVersion: 1, gym: 'g', source: pr(number), ruleVerdict: { kept: true, reason: 'passed' }, llmVerdict: { kept, reason: '' } });
    // 8 TP, 2 FP, 2 FN, 3 TN.
    const verdicts = [...Array.from({ length: 10 }, (_, index) => candidate(index, true)), ...Array.from({ length: 5 }, (_, index) => candidate(10 + index, false))];
    const labels = verdicts.map((verdict, index) => ({ repo: 'acme/tool', number: verdict.source.number, mirrorable: index < 8 || index === 10 || index === 11 }));
    const comparison = compareWithLabels(verdicts, labels);
    expect(comparison).toMatchObject({ truePositives: 8, falsePositives: 2, falseNegatives: 2, trueNegatives: 3 });
    expect(comparison.precision).toBeCloseTo(0.8);
    expect(comparison.recall).toBeCloseTo(0.8);
  });

  it('rejects a labels file with bad lines, naming them', async () => {
    const work = await makeTemporaryDirectory('labels');
    const labels = path.join(work, 'labels.jsonl');
    await writeFile(labels, '{"repo":"a/b","number":1,"mirrorable":true}\n{"repo":"a/b","number":2}\n');
    await expect(readLabels(labels)).rejects.toMatchObject({ code: 'LABELS_INVALID', message: expect.stringContaining('line 2') });
  });
});

import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { PYTHON, block, lastMessage, requestsFor, usePythonMirrorHarness } from './mirror-fixtures.js';

const { runWith, gym } = usePythonMirrorHarness();

describe('mirrorCandidate on the python-pytest gym', () => {
  it('turns scripted answers into a verified task, with every step recorded', async () => {
    const { model, events, promise } = runWith({});
    const outcome = await promise;
    expect(outcome.failure).toBeUndefined();
    expect(outcome.status).toBe('verified');
    expect(outcome.verdict?.FAIL_TO_PASS.sort()).toEqual([
      'tests/test_version.py::test_prerelease_numeric_identifiers_compare_numerically',
      'tests/test_version.py::test_sorting_release_candidates',
    ]);
    // The comment the mirror added is gone from the shipped patch, the code change is there.
    expect(outcome.patches?.mirror).toContain('+    return (str(left) > str(right)) - (str(left) < str(right))\n');
    expect(outcome.patches?.mirror).not.toContain('compare as text');
    expect(outcome.patches?.fix).toContain('-    return (str(left) > str(right)) - (str(left) < str(right))');
    expect(outcome.patches?.test).toContain('+def test_sorting_release_candidates():');
    expect(outcome.statement).toContain('# Pre-release versions');
    const attempt = outcome.attempt;
    expect(attempt.steps.map((step) => `${step.step}:${step.outcome}`)).toEqual([
      'distill:ok',
      'test-localize:ok',
      'test-generate:ok',
      'mirror-localize:ok',
      'mirror-generate:ok',
      'statement:ok',
      'verify:ok',
    ]);
    expect(attempt.calls).toHaveLength(6);
    expect(attempt.calls[0]).toMatchObject({ step: 'distill', promptTemplate: 'distill', promptVersion: 1, model: 'scripted', try: 0 });
    expect(attempt.calls[0]?.requestHash).toMatch(/^[0-9a-f]{64}$/);
    expect(attempt.calls[2]?.answers[0]).toBe(PYTHON.testGenerate);
    expect(attempt.calls[2]?.parsed[0]).toMatchObject({ blocks: [{ path: 'tests/test_version.py' }] });
    expect(attempt.commentsStripped).toBe(1);
    expect(attempt.totals.calls).toBe(6);
    expect(attempt.totals.inputTokens).toBeGreaterThan(0);
    // The test-generation prompt shows the localized files; the mirror prompt lists the tests that must fail.
    expect(lastMessage(requestsFor(model, 'test-generate')[0])).toContain('def _compare_identifiers');
    expect(lastMessage(requestsFor(model, 'mirror-generate')[0])).toContain('- tests/test_version.py::test_sorting_release_candidates');
    expect(lastMessage(requestsFor(model, 'statement')[0])).toContain('rc.10 sorts before rc.9');
    expect(events.at(-1)).toEqual({ type: 'finished', status: 'verified' });
    // The working copy is left clean.
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: gym().workdir, encoding: 'utf8' })).toBe('');
  });

  it('retries garbage and a missing SEARCH text with the failure as feedback', async () => {
    const wrongSearch = block('tests/test_version.py', ['def test_does_not_exist():'], ['def test_x():', '    pass']);
    const { model, promise } = runWith({
      'test-localize': ['Sure, I can help with that!', PYTHON.testLocalize],
      'test-generate': [wrongSearch, PYTHON.testGenerate],
    });
    const outcome = await promise;
    expect(outcome.status).toBe('verified');
    const localize = requestsFor(model, 'test-localize');
    expect(localize).toHaveLength(2);
    expect(lastMessage(localize[1])).toContain('I could not read a list of files');
    expect(localize[1]?.messages.at(-2)).toEqual({ role: 'assistant', content: 'Sure, I can help with that!' });
    const generate = requestsFor(model, 'test-generate');
    expect(lastMessage(generate[1])).toContain('The SEARCH text for tests/test_version.py was not found');
    expect(lastMessage(generate[1])).toContain('def test_does_not_exist():');
    expect(generate[1]?.attempt).toBe(1);
    const retried = outcome.attempt.steps.filter((step) => step.outcome === 'retry').map((step) => step.step);
    expect(retried).toEqual(['test-localize', 'test-generate']);
    expect(outcome.attempt.calls.find((call) => call.step === 'test-generate' && call.try === 1)?.feedback).toContain('was not found');
  });

  it('fails the attempt, recorded, when every answer is garbage', async () => {
    const { promise } = runWith({ distill: ['no idea', '???', 'lorem ipsum'] });
    const outcome = await promise;
    expect(outcome.status).toBe('failed');
    expect(outcome.failure?.step).toBe('distill');
    expect(outcome.failure?.reason).toContain('after 3 tries');
    expect(outcome.attempt.calls).toHaveLength(3);
    expect(outcome.attempt.steps.map((step) => step.outcome)).toEqual(['retry', 'retry', 'failed']);
  });
});

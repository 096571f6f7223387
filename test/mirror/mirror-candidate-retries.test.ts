import { describe, expect, it } from 'vitest';
import { PYTHON, block, lastMessage, requestsFor, usePythonMirrorHarness } from './mirror-fixtures.js';

const { runWith } = usePythonMirrorHarness();

describe('mirrorCandidate retries on the python-pytest gym', () => {
  it('refuses forbidden files: source files in the test step, test files in the mirror step', async () => {
    const sourceEdit = block('semver_lite/version.py', ['        return 1'], ['        return 2']);
    const testEdit = block('tests/test_version.py', ['def test_bump_prerelease():'], ['def test_bump_prerelease_renamed():']);
    const { model, promise } = runWith({
      'test-generate': [sourceEdit, PYTHON.testGenerate],
      'mirror-generate': [testEdit, PYTHON.mirrorGenerate],
    });
    const outcome = await promise;
    expect(outcome.status).toBe('verified');
    const testFeedback = lastMessage(requestsFor(model, 'test-generate')[1]);
    expect(testFeedback).toContain('Edit to semver_lite/version.py refused: the test step may edit test files only');
    const mirrorFeedback = lastMessage(requestsFor(model, 'mirror-generate')[1]);
    expect(mirrorFeedback).toContain('Edit to tests/test_version.py refused: the mirror step may not edit test files');
  });

  it('retries a new test that fails on clean code, showing the failing test and output', async () => {
    const { model, promise } = runWith({ 'test-generate': [PYTHON.testGenerateWrong, PYTHON.testGenerate] });
    const outcome = await promise;
    expect(outcome.status).toBe('verified');
    const feedback = lastMessage(requestsFor(model, 'test-generate')[1]);
    expect(feedback).toContain('These new tests do not pass on the current code');
    // pytest -rA's own reason for the test, under its id (not the output's last lines).
    expect(feedback).toMatch(/- tests\/test_version\.py::test_prerelease_numeric_identifiers_compare_numerically\n {4}AssertionError: assert Version\(/);
    expect(feedback).not.toContain('The output ends with');
  });

  it('retries a mirror that leaves the tests passing, then one that breaks the build, then succeeds', async () => {
    const { model, promise } = runWith({ 'mirror-generate': [PYTHON.mirrorGenerateHarmless, PYTHON.mirrorGenerateBroken, PYTHON.mirrorGenerate] });
    const outcome = await promise;
    expect(outcome.status).toBe('verified');
    const requests = requestsFor(model, 'mirror-generate');
    expect(lastMessage(requests[1])).toContain('The new tests still pass after your change');
    expect(lastMessage(requests[2])).toContain('The build broke: the pre-check `python -m compileall -f -q semver_lite tests` failed');
    expect(lastMessage(requests[2])).toContain('SyntaxError');
    // The conversation keeps growing: both earlier answers and both feedback messages are in the third request.
    expect(requests[2]?.messages.filter((message) => message.role === 'assistant')).toHaveLength(2);
  });

  it('retries a leaking statement, and rejects the task when it keeps leaking', async () => {
    const retried = runWith({ statement: [PYTHON.statementLeaking, PYTHON.statement] });
    const outcome = await retried.promise;
    expect(outcome.status).toBe('verified');
    const feedback = lastMessage(requestsFor(retried.model, 'statement')[1]);
    expect(feedback).toContain('names the hidden test `test_sorting_release_candidates`');
    expect(feedback).toContain('contains a line of the fix');

    const leaking = runWith({ statement: [PYTHON.statementLeaking, PYTHON.statementLeaking] }, 1);
    const rejected = await leaking.promise;
    expect(rejected.status).toBe('rejected');
    expect(rejected.failure?.step).toBe('statement');
    expect(rejected.failure?.reason).toContain('gives away hidden information');
    expect(rejected.verdict).toBeUndefined();
  });
});

import { RECORD_SCHEMA_VERSION, type SourcePR, type Task } from '../../src/core/records.js';

/** A SourcePR for tests. */
export function makeSource(number: number, repo = 'acme/widgets'): SourcePR {
  return {
    schemaVersion: RECORD_SCHEMA_VERSION,
    repo,
    number,
    title: `Fix bug ${number}`,
    body: '',
    issues: [{ number: number + 1000, title: 'It breaks', body: 'details' }],
    diff: 'diff --git a/x.py b/x.py\n',
    mergedAt: '2024-01-01T00:00:00Z',
    url: `https://github.com/${repo}/pull/${number}`,
    origin: 'jsonl',
  };
}

/** A Task for tests; override any field. */
export function makeTask(instanceId: string, overrides: Partial<Task> = {}): Task {
  return {
    schemaVersion: RECORD_SCHEMA_VERSION,
    instanceId,
    gym: 'demo',
    language: 'python',
    repo: 'swe-mirror/demo',
    baseCommit: 'abc',
    mirrorPatch: 'diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n',
    testPatch: '',
    fixPatch: `diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x = 2\n+x = 1 # ${instanceId}\n`,
    problemStatement: 'x is wrong',
    FAIL_TO_PASS: [`tests/test_a.py::test_${instanceId}`],
    PASS_TO_PASS: ['tests/test_a.py::test_other'],
    tests: {},
    source: { repo: 'acme/widgets', number: 1, url: 'u', issues: [2] },
    model: 'scripted',
    costUsd: 0,
    createdAt: '2024-01-01T00:00:00.000Z',
    ...overrides,
  };
}


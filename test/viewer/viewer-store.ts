import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Task } from '../../src/core/records.js';
import type { AttemptLog } from '../../src/mirror/types.js';
import { Store } from '../../src/store/store.js';
import { makeSource, makeTask } from '../support/records.js';

/** LLM-written content that tries to run script in the viewer. */
export const HOSTILE_STATEMENT = [
  '# Ranges <b>break</b>',
  '',
  '<script>window.__pwned = "statement-script"</script>',
  '',
  'Calling `satisfies("0.3.0", "^0.2.3")` returns True. <img src="x" onerror="window.__pwned = \'img\'">',
  '[details](javascript:window.__pwned=1)',
].join('\n');

export const HOSTILE_PATCH =
  'diff --git a/src/<script>.py b/src/<script>.py\n--- a/src/<script>.py\n+++ b/src/<script>.py\n@@ -1,2 +1,2 @@\n def f():\n-    return "<script>window.__pwned = 2</script>"\n+    return 1\n';

function attempt(overrides: Partial<AttemptLog> = {}): AttemptLog {
  const call = (step: string, tryNumber: number, answer: string, feedback?: string): AttemptLog['calls'][number] => ({
    step,
    promptTemplate: step,
    promptVersion: 1,
    model: 'scripted',
    requestHash: `hash-${step}-${tryNumber}`,
    inputTokens: 1200,
    outputTokens: 300,
    costUsd: 0.0125,
    latencyMs: 850,
    cached: false,
    try: tryNumber,
    samples: 1,
    transportRetries: 0,
    answers: [answer],
    parsed: [null],
    ...(feedback ? { feedback } : {}),
  });
  return {
    schemaVersion: 1,
    gym: 'py-gym',
    gymCommit: 'abc123',
    source: { repo: 'acme/widgets', number: 1, url: 'https://github.com/acme/widgets/pull/1', issues: [1001] },
    model: 'scripted',
    prompts: [{ name: 'mirror-generate', version: 3 }],
    budget: { retriesPerStep: 2, samples: 1 },
    startedAt: '2024-01-01T00:00:00.000Z',
    finishedAt: '2024-01-01T00:01:00.000Z',
    status: 'verified',
    steps: [
      { step: 'mirror-generate', try: 0, outcome: 'retry', startedAt: '2024-01-01T00:00:10.000Z', durationMs: 2000, feedback: 'The new tests still pass with your edit: tests/test_a.py::test_new' },
      { step: 'mirror-generate', try: 1, outcome: 'ok', startedAt: '2024-01-01T00:00:20.000Z', durationMs: 3000, details: { files: ['src/a.py'] } },
    ],
    calls: [
      call('mirror-generate', 0, 'ANSWER-ONE <script>window.__pwned = "answer"</script>'),
      call('mirror-generate', 1, 'ANSWER-TWO', 'FEEDBACK-SENT: the new tests still pass with your edit'),
    ],
    totals: { calls: 2, cachedCalls: 0, inputTokens: 2400, outputTokens: 600, costUsd: 0.025, latencyMs: 1700 },
    ...overrides,
  };
}

const TESTS: Task['tests'] = {
  'tests/test_a.py::test_new': { run: 'NONE', test: 'FAILED', fix: 'PASSED' },
  'tests/test_a.py::test_old': { run: 'PASSED', test: 'PASSED', fix: 'PASSED' },
};

/**
 * A store built through the library, one candidate per outcome: ids 1 and 2 verified (python, go),
 * 3 rejected by the verifier, 4 mirror-failed, 5 dropped by rules, 6 rejected by the LLM filter, 7 a duplicate.
 */
export function buildViewerStore(directory = mkdtempSync(path.join(tmpdir(), 'swe-mirror-viewer-'))): { directory: string; storePath: string } {
  const storePath = path.join(directory, 'state.sqlite');
  const store = Store.open(storePath);
  try {
    store.saveGym({ name: 'py-gym', language: 'python', specPath: 'py.yaml', status: 'prepared' });
    store.saveGym({ name: 'go-gym', language: 'go', specPath: 'go.yaml', status: 'prepared' });
    const kept = { kept: true, reason: 'ok' };
    const hostileSource = { ...makeSource(1), body: 'PR body <script>window.__pwned = "pr"</script>' };
    const sources = [hostileSource, makeSource(2, 'gopher/mux'), makeSource(3), makeSource(4), makeSource(5), makeSource(6), makeSource(7)];
    for (const source of sources) {
      const ruleVerdict = source.number === 5 ? { kept: false, reason: 'only-docs-ci-lock-or-tests', detail: 'only docs files changed' } : kept;
      store.addCandidates(source.number === 2 ? 'go-gym' : 'py-gym', [{ source, ruleVerdict }]);
    }
    const ids = new Map(
      (store.database.prepare('SELECT c.id, s.number FROM candidates c JOIN source_prs s ON s.id = c.source_pr_id').all() as Array<{ id: number; number: number }>).map(
        (row) => [row.number, row.id],
      ),
    );
    const idOf = (number: number): number => ids.get(number) as number;
    for (const number of [1, 2, 3, 4, 6, 7]) {
      store.saveLlmVerdict(idOf(number), number === 6 ? { kept: false, reason: 'Only a wording change; nothing to mirror.' } : { kept: true, reason: 'a logic fix' });
    }
    const taskOne = makeTask('py-gym__acme__widgets-1', {
      gym: 'py-gym',
      problemStatement: HOSTILE_STATEMENT,
      mirrorPatch: HOSTILE_PATCH,
      testPatch: 'diff --git a/tests/test_a.py b/tests/test_a.py\n--- a/tests/test_a.py\n+++ b/tests/test_a.py\n@@ -1 +1,3 @@\n import a\n+def test_new():\n+    assert a.f() == 1\n',
      FAIL_TO_PASS: ['tests/test_a.py::test_new'],
      PASS_TO_PASS: ['tests/test_a.py::test_old'],
      tests: TESTS,
      source: { repo: 'acme/widgets', number: 1, url: 'https://github.com/acme/widgets/pull/1', issues: [1001] },
      costUsd: 0.025,
    });
    store.saveMirrorOutcome(idOf(1), { stage: 'verified', attempt: attempt(), costUsd: 0.025, task: taskOne });
    const taskTwo = makeTask('go-gym__gopher__mux-2', { gym: 'go-gym', language: 'go', repo: 'swe-mirror/go-gym', tests: TESTS, FAIL_TO_PASS: ['tests/test_a.py::test_new'] });
    store.saveMirrorOutcome(idOf(2), { stage: 'verified', attempt: attempt({ gym: 'go-gym' }), costUsd: 0, task: taskTwo });
    store.saveMirrorOutcome(idOf(3), {
      stage: 'rejected-by-verifier',
      lossRule: 'no-regressions',
      lossReason: 'The fix breaks tests that passed before it',
      costUsd: 0.01,
      attempt: attempt({
        status: 'rejected',
        steps: [
          {
            step: 'verify',
            try: 0,
            outcome: 'failed',
            startedAt: '2024-01-01T00:00:30.000Z',
            durationMs: 9000,
            details: { valid: false, FAIL_TO_PASS: [], reasons: [{ rule: 'no-regressions', message: 'REGRESSION-MESSAGE', tests: ['tests/test_b.py::test_broken'] }] },
          },
        ],
      }),
    });
    store.saveMirrorOutcome(idOf(4), {
      stage: 'mirror-failed',
      lossRule: 'mirror-generate',
      lossReason: 'the edit did not apply after 3 tries',
      costUsd: 0.02,
      attempt: attempt({ status: 'failed', failure: { step: 'mirror-generate', reason: 'the edit did not apply after 3 tries' } }),
    });
    const taskSeven = makeTask('py-gym__acme__widgets-7', { gym: 'py-gym', tests: TESTS, FAIL_TO_PASS: ['tests/test_a.py::test_new'] });
    store.saveMirrorOutcome(idOf(7), { stage: 'verified', attempt: attempt(), costUsd: 0, task: taskSeven });
    store.markDuplicates([{ instanceId: 'py-gym__acme__widgets-7', duplicateOf: 'py-gym__acme__widgets-1', reason: 'same-fail-to-pass' }]);
    store.recordModelCall({ candidateId: idOf(6), step: 'filter-mirrorability', model: 'scripted', requestHash: 'h6', inputTokens: 900, outputTokens: 40, costUsd: 0.001, latencyMs: 300, cached: false });
  } finally {
    store.close();
  }
  return { directory, storePath };
}

/** A store with `count` verified tasks in one gym (pagination at scale). */
export function buildLargeStore(count: number): { directory: string; storePath: string } {
  const directory = mkdtempSync(path.join(tmpdir(), 'swe-mirror-viewer-large-'));
  const storePath = path.join(directory, 'state.sqlite');
  const store = Store.open(storePath);
  try {
    store.saveGym({ name: 'py-gym', language: 'python', specPath: 'py.yaml', status: 'prepared' });
    store.addCandidates(
      'py-gym',
      Array.from({ length: count }, (_, index) => ({ source: makeSource(index + 1), ruleVerdict: { kept: true, reason: 'ok' }, skipLlmFilter: true })),
    );
    const rows = store.database.prepare('SELECT c.id, s.number FROM candidates c JOIN source_prs s ON s.id = c.source_pr_id ORDER BY c.id').all() as Array<{ id: number; number: number }>;
    store.database.transaction(() => {
      for (const row of rows) {
        const task = makeTask(`py-gym__acme__widgets-${row.number}`, { gym: 'py-gym', source: { repo: 'acme/widgets', number: row.number, url: 'u', issues: [] } });
        store.saveMirrorOutcome(row.id, { stage: 'verified', attempt: attempt(), costUsd: 0, task });
      }
    })();
  } finally {
    store.close();
  }
  return { directory, storePath };
}

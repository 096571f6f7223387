import { beforeAll, describe, expect, it } from 'vitest';
import { RECORD_SCHEMA_VERSION, type SourcePR } from '../../src/core/records.js';
import type { PreparedGym } from '../../src/gym/types.js';
import { mirrorCandidate } from '../../src/mirror/mirror-candidate.js';
import type { MirrorStep } from '../../src/mirror/types.js';
import { createLocalRuntime } from '../../src/runtime/local.js';
import { createScriptedModel } from '../../src/testing/scripted-model.js';
import { answersByStep, block, lastMessage, prepareFixtureGym, requestsFor, type StepAnswer } from './mirror-fixtures.js';

// The js-mocha gym (an LRU cache, mocha's JSON reporter to a file): every run below is real mocha.
const SOURCE: SourcePR = {
  schemaVersion: RECORD_SCHEMA_VERSION,
  repo: 'example/tinycache',
  number: 31,
  title: 'Re-setting a key makes it most recently used',
  body: 'Fixes #30',
  issues: [{ number: 30, title: 'Updated keys get evicted first', body: 'After `set("a")` twice, `a` is still the first evicted.' }],
  diff: 'diff --git a/cache.js b/cache.js\n--- a/cache.js\n+++ b/cache.js\n@@ -1 +1,2 @@\n+    this.map.delete(key);\n     this.map.set(key, value);\n',
  mergedAt: null,
  url: 'https://github.com/example/tinycache/pull/31',
  origin: 'jsonl',
};

const PATTERN = [
  '## Issue type', 'Bug: wrong eviction order.', '## Core problem', 'Updating an existing key does not mark it as recently used.',
  '## Technical context', 'Least-recently-used caches built on insertion-ordered maps.', '## Symptoms', 'A key that was just updated is evicted first.',
  '## Root cause', 'The entry is overwritten in place instead of being re-inserted.', '## Impact scope', 'Caches at capacity that update keys.',
].join('\n');

const ANCHOR = ["    it('peek does not refresh recency', function () {"];
const RECENCY_TEST = [
  "    it('set refreshes recency of an existing key', function () {",
  '      const cache = new LruCache({ maxSize: 2 });',
  "      cache.set('a', 1).set('b', 2).set('a', 10).set('c', 3);",
  "      assert.deepEqual(cache.keys(), ['c', 'a']);",
  '    });',
  '',
];
/** Passes with the valid mirror too (Map.set overwrites in place): "new but not failing". */
const OVERWRITE_TEST = [
  "    it('set overwrites the value of an existing key', function () {",
  '      const cache = new LruCache({ maxSize: 2 });',
  "      cache.set('a', 1).set('a', 2);",
  "      assert.equal(cache.get('a'), 2);",
  '    });',
  '',
];
const TESTS = block('test/lru-cache.spec.js', ANCHOR, [...RECENCY_TEST, ...ANCHOR]);
const TESTS_TWO = block('test/lru-cache.spec.js', ANCHOR, [...RECENCY_TEST, ...OVERWRITE_TEST, ...ANCHOR]);
/** Renames an existing test while adding the new one. */
const TESTS_RENAMING = block('test/lru-cache.spec.js', ANCHOR, [...RECENCY_TEST, "    it('peek leaves recency alone', function () {"]);
/** Asserts the buggy order: fails on the clean code with mocha's assertion message. */
const TESTS_WRONG = block('test/lru-cache.spec.js', ANCHOR, [
  "    it('set refreshes recency of an existing key', function () {",
  '      const cache = new LruCache({ maxSize: 2 });',
  "      cache.set('a', 1).set('b', 2).set('a', 10).set('c', 3);",
  "      assert.deepEqual(cache.keys(), ['c', 'b']);",
  '    });',
  '',
  ...ANCHOR,
]);
const SET_LINE = ['    if (this.entries.has(key)) this.entries.delete(key);'];
const MIRROR = block('lib/lru-cache.js', SET_LINE, ['    // keep the position']);
const MIRROR_BOTH = block('lib/lru-cache.js', SET_LINE, ['    if (this.entries.has(key)) return this;']);
/** Hangs every set(): mocha cannot time out a synchronous loop, so the run hits the gym's time limit. */
const MIRROR_HANGS = block('lib/lru-cache.js', SET_LINE, ['    while (this.entries.has(key)) this.misses += 0;']);
const STATEMENT = '# Updating a key does not protect it from eviction\n\nWith `maxSize: 2`, `set("a")`, `set("b")`, `set("a")` again, then `set("c")` evicts `a` instead of `b`.';
const STATEMENT_NAMING_TESTS = `${STATEMENT}\n\nThe test "set refreshes recency of an existing key" shows it.`;

let gym: PreparedGym;
beforeAll(async () => {
  gym = await prepareFixtureGym('js-mocha');
});

function run(answers: Partial<Record<MirrorStep, StepAnswer[]>>, options: { strict?: boolean; gym?: PreparedGym } = {}) {
  const model = createScriptedModel(
    answersByStep({
      distill: [PATTERN],
      'test-localize': ['{"source_files": ["lib/lru-cache.js"], "test_files": ["test/lru-cache.spec.js"]}'],
      'test-generate': [TESTS],
      'mirror-localize': ['["lib/lru-cache.js"]'],
      'mirror-generate': [MIRROR],
      statement: [STATEMENT],
      ...answers,
    }),
  );
  const promise = mirrorCandidate({
    gym: options.gym ?? gym,
    source: SOURCE,
    model,
    runtime: createLocalRuntime(),
    verifyOptions: { repeats: { run: 1, test: 1, fix: 1 }, ...(options.strict ? { strict: true } : {}) },
  });
  return { model, promise };
}

describe('mirrorCandidate feedback on the js-mocha gym', () => {
  it('refuses a renamed test at the test step, then names the failing test with its assertion message, then refuses a statement naming the hidden test', async () => {
    const { model, promise } = run({ 'test-generate': [TESTS_RENAMING, TESTS_WRONG, TESTS], statement: [STATEMENT_NAMING_TESTS, STATEMENT] });
    const outcome = await promise;
    expect(outcome.failure).toBeUndefined();
    expect(outcome.status).toBe('verified');
    const [, second, third] = requestsFor(model, 'test-generate');
    expect(lastMessage(second)).toContain('Your change deletes or renames existing tests:\n- the test `peek does not refresh recency` in test/lru-cache.spec.js is removed or renamed');
    const failing = lastMessage(third);
    expect(failing).toContain('These new tests do not pass on the current code');
    expect(failing).toContain('- test/lru-cache.spec.js > LruCache eviction set refreshes recency of an existing key\n    Expected values to be strictly deep-equal:');
    expect(failing).toContain("+   'a'");
    expect(failing).not.toContain('The output ends with');
    expect(failing).not.toMatch(/\u001b\[/);
    const statementFeedback = lastMessage(requestsFor(model, 'statement')[1]);
    expect(statementFeedback).toContain('names the hidden test `set refreshes recency of an existing key`');
    expect(outcome.statement).toBe(STATEMENT);
    expect(outcome.attempt.steps.filter((step) => step.outcome === 'retry').map((step) => step.step)).toEqual(['test-generate', 'test-generate', 'statement']);
  });

  it('reports a hanging mirror as a timeout with the limit, and retries', async () => {
    const quick: PreparedGym = { ...gym, spec: { ...gym.spec, timeLimitSeconds: 8 } };
    const { model, promise } = run({ 'mirror-generate': [MIRROR_HANGS, MIRROR] }, { gym: quick });
    const outcome = await promise;
    expect(outcome.status).toBe('verified');
    const feedback = lastMessage(requestsFor(model, 'mirror-generate')[1]);
    expect(feedback).toContain("With your change the test run did not finish: it was stopped at the gym's time limit of 8 seconds (timeLimitSeconds)");
    expect(feedback).not.toContain('no longer run at all');
  }, 120_000);

  it('in strict mode, retries a mirror that leaves one new test passing, naming it', async () => {
    const { model, promise } = run({ 'test-generate': [TESTS_TWO], 'mirror-generate': [MIRROR, MIRROR_BOTH] }, { strict: true });
    const outcome = await promise;
    expect(outcome.failure).toBeUndefined();
    expect(outcome.status).toBe('verified');
    const feedback = lastMessage(requestsFor(model, 'mirror-generate')[1]);
    expect(feedback).toContain('In strict mode every new test must fail after your change, but these still pass:\n- test/lru-cache.spec.js > LruCache eviction set overwrites the value of an existing key\n');
    expect(feedback).toContain('These fail, as they should:\n- test/lru-cache.spec.js > LruCache eviction set refreshes recency of an existing key');
    expect(outcome.verdict?.FAIL_TO_PASS).toEqual(
      expect.arrayContaining([
        'test/lru-cache.spec.js > LruCache eviction set overwrites the value of an existing key',
        'test/lru-cache.spec.js > LruCache eviction set refreshes recency of an existing key',
      ]),
    );
  });

  it('without strict mode, the same first mirror is accepted', async () => {
    const { model, promise } = run({ 'test-generate': [TESTS_TWO], 'mirror-generate': [MIRROR] });
    const outcome = await promise;
    expect(outcome.status).toBe('verified');
    expect(requestsFor(model, 'mirror-generate')).toHaveLength(1);
    expect(outcome.verdict?.FAIL_TO_PASS).toEqual(['test/lru-cache.spec.js > LruCache eviction set refreshes recency of an existing key']);
  });
});

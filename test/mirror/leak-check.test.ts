import { describe, expect, it } from 'vitest';
import { checkStatementForLeaks, hiddenTestNames, testNameOf } from '../../src/mirror/leak-check.js';

const fixPatch = [
  'diff --git a/semver_lite/ranges.py b/semver_lite/ranges.py',
  '--- a/semver_lite/ranges.py',
  '+++ b/semver_lite/ranges.py',
  '@@ -10,2 +10,3 @@ def satisfies(version, spec):',
  '     low, high = parse_range(spec)',
  '-    return low <= version < high',
  '+    return low <= version <= high',
  '+    return None',
  '',
].join('\n');

const base = { hiddenTests: ['tests/test_ranges.py::test_upper_bound_is_inclusive[1.2.3]'], testFiles: ['tests/test_ranges.py'], fixPatch };

describe('checkStatementForLeaks', () => {
  it('passes a statement that describes behaviour only', () => {
    const result = checkStatementForLeaks({ ...base, statement: '# satisfies() rejects the upper bound\n\n`satisfies("2.0.0", ">=1.0.0 <=2.0.0")` returns False.' });
    expect(result).toEqual({ hasLeaks: false, leaks: [], reasons: [] });
  });

  it('flags a hidden test name, a test file and a fix line, with reasons', () => {
    const result = checkStatementForLeaks({
      ...base,
      statement: 'test_upper_bound_is_inclusive fails in test_ranges.py. Change it to `return  low <= version <= high`.',
    });
    expect(result.leaks.map((leak) => leak.kind)).toEqual(['test-name', 'test-file', 'fix-line']);
    expect(result.reasons[0]).toContain('test_upper_bound_is_inclusive');
    expect(result.reasons[2]).toContain('return low <= version <= high');
  });

  it('does not flag trivial fix lines or names inside longer words', () => {
    const result = checkStatementForLeaks({ ...base, statement: 'It should return None, see my_test_upper_bound_is_inclusive_helper.' });
    expect(result.hasLeaks).toBe(false);
  });
});

describe('testNameOf', () => {
  it('reads names from each runner id style', () => {
    expect(testNameOf('tests/test_x.py::TestA::test_b[1-2]')).toBe('test_b');
    expect(testNameOf('test/parse.test.js > parse > handles a/b arrays')).toBe('handles a/b arrays');
    expect(testNameOf('TestParse/empty_input')).toBe('TestParse');
    expect(testNameOf('ranges::tests::upper_bound')).toBe('upper_bound');
  });
});

describe('hidden test names of every runner id shape', () => {
  const testPatch = [
    'diff --git a/test/lru-cache.spec.js b/test/lru-cache.spec.js',
    '--- a/test/lru-cache.spec.js',
    '+++ b/test/lru-cache.spec.js',
    '@@ -1,1 +1,3 @@',
    " describe('LruCache', function () {",
    "+  describe('LruCacheExpiry', function () {",
    "+    it('set refreshes recency of an existing key', function () {",
    '',
  ].join('\n');

  it('takes mocha titles from the test patch, since the ids join them to the describe titles', () => {
    const names = hiddenTestNames(['test/lru-cache.spec.js > LruCache eviction set refreshes recency of an existing key'], testPatch, 'javascript');
    expect(names).toContain('set refreshes recency of an existing key');
    expect(names).toContain('LruCache eviction set refreshes recency of an existing key');
    // A describe title is the unit under test, which an issue may name.
    expect(names).not.toContain('LruCacheExpiry');
    const statement = 'Setting a key again does not help.\n\nSee "set refreshes recency of an\nexisting key".';
    const result = checkStatementForLeaks({ statement, hiddenTests: ['test/lru-cache.spec.js > LruCache eviction set refreshes recency of an existing key'], testFiles: ['test/lru-cache.spec.js'], fixPatch: '', testPatch, language: 'javascript' });
    expect(result.reasons).toEqual(['it names the hidden test `set refreshes recency of an existing key`']);
    expect(checkStatementForLeaks({ statement: 'The LruCache forgets recency when a key is set again.', hiddenTests: [], testFiles: [], fixPatch: '', testPatch, language: 'javascript' }).hasLeaks).toBe(false);
  });

  it('reads jest/vitest titles, pytest functions and parametrize ids, Go tests and subtests, Rust functions', () => {
    expect(hiddenTestNames(['test/parse.test.js > parse > decodes every plus sign'])).toEqual(['decodes every plus sign']);
    expect(hiddenTestNames(['tests/test_v.py::TestOrder::test_sorts_candidates[rc-ordering]', 'tests/test_v.py::test_sum[1-1-3]'])).toEqual([
      'test_sorts_candidates',
      'rc-ordering',
      'test_sum',
    ]);
    expect(hiddenTestNames(['example.com/router::TestMatch/trailing_slash#01'])).toEqual(['TestMatch/trailing_slash#01', 'TestMatch', 'trailing_slash', 'trailing slash']);
    expect(hiddenTestNames(['integration::routes::matches_wildcards'])).toEqual(['matches_wildcards']);
  });

  it('flags a test file named by its module name', () => {
    const result = checkStatementForLeaks({ statement: 'Run test_version and watch it fail.', hiddenTests: [], testFiles: ['tests/test_version.py'], fixPatch: '' });
    expect(result.leaks).toEqual([{ kind: 'test-file', text: 'test_version' }]);
  });
});

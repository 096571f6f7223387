import { describe, expect, it } from 'vitest';
import { checkStatementForLeaks, testNameOf } from '../../src/mirror/leak-check.js';

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

import { describe, expect, it } from 'vitest';
import { checkPatchesStatically, patchesForState } from '../../src/verify/sanity.js';

const TEST_GLOBS = ['tests/**'];
const change = (file: string, from = 'a', to = 'b'): string =>
  `diff --git a/${file} b/${file}\nindex 1111111..2222222 100644\n--- a/${file}\n+++ b/${file}\n@@ -1 +1 @@\n-${from}\n+${to}\n`;

describe('checkPatchesStatically', () => {
  it('derives fix.patch as the inverse of mirror.patch', () => {
    const result = checkPatchesStatically({ mirror: change('src/a.py'), test: change('tests/test_a.py') }, TEST_GLOBS);
    expect(result.reasons).toEqual([]);
    expect(result.patches?.isFixInverted).toBe(true);
    expect(result.patches?.fix).toBe(change('src/a.py', 'b', 'a').replace('index 1111111..2222222', 'index 2222222..1111111'));
    expect(patchesForState(result.patches!, 'test').map((patch) => patch.label)).toEqual(['mirror.patch', 'test.patch']);
  });

  it('keeps each patch on its side of the test globs, a given fix.patch included', () => {
    const result = checkPatchesStatically(
      { mirror: change('src/a.py') + change('tests/test_a.py'), test: change('tests/test_b.py') + change('src/b.py'), fix: change('tests/test_c.py') },
      TEST_GLOBS,
    );
    expect(result.patches).toBeUndefined();
    expect(result.reasons).toEqual([
      { rule: 'sanity', message: 'mirror.patch must change only non-test files, but it changes test files: tests/test_a.py.', tests: [], files: ['tests/test_a.py'] },
      { rule: 'sanity', message: 'test.patch must change only test files, but it changes non-test files: src/b.py.', tests: [], files: ['src/b.py'] },
      { rule: 'sanity', message: 'fix.patch must change only non-test files, but it changes test files: tests/test_c.py.', tests: [], files: ['tests/test_c.py'] },
    ]);
  });

  it('reports unreadable patches (empty, binary, malformed, not invertible) as sanity failures', () => {
    const binary = 'diff --git a/x.png b/x.png\nindex 1111111..2222222 100644\nBinary files a/x.png and b/x.png differ\n';
    const malformed = '--- a/src/a.py\n+++ b/src/a.py\n@@ -1,3 +1,3 @@\n-a\n+b\n';
    const copy = 'diff --git a/src/a.py b/src/c.py\nsimilarity index 100%\ncopy from src/a.py\ncopy to src/c.py\n';
    const messages = (mirror: string, test = change('tests/test_a.py')): string[] =>
      checkPatchesStatically({ mirror, test }, TEST_GLOBS).reasons.map((reason) => reason.message);
    expect(messages('', '')).toEqual(['mirror.patch is empty: it changes no file.', 'test.patch is empty: it changes no file.']);
    expect(messages(binary)).toEqual(['mirror.patch holds a binary change (x.png); swe-mirror only applies text patches.']);
    expect(messages(malformed)).toEqual(['Hunk "@@ -1,3 +1,3 @@" promises 3 old and 3 new lines but holds 1 and 1.']);
    expect(messages(copy)).toEqual(['fix.patch: Cannot invert the patch for src/c.py: it copies a file (the copy source is not in the patch).']);
  });
});

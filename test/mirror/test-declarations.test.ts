import { describe, expect, it } from 'vitest';
import { describeRemovedTests } from '../../src/mirror/generate-tests.js';
import { findDeclarationsInLine, findPatchTestDeclarations, findRemovedTestDeclarations } from '../../src/mirror/test-declarations.js';

function patch(file: string, lines: string[]): string {
  const oldCount = lines.filter((line) => !line.startsWith('+')).length;
  const newCount = lines.filter((line) => !line.startsWith('-')).length;
  return [`diff --git a/${file} b/${file}`, `--- a/${file}`, `+++ b/${file}`, `@@ -1,${oldCount} +1,${newCount} @@`, ...lines, ''].join('\n');
}

describe('test declarations in a line', () => {
  it('reads each language', () => {
    expect(findDeclarationsInLine('javascript', "  it('keeps order', function () {")).toEqual([{ kind: 'test', name: 'keeps order' }]);
    expect(findDeclarationsInLine('typescript', 'await t.test("nested \\"quoted\\"", async () => {')).toEqual([{ kind: 'test', name: 'nested "quoted"' }]);
    expect(findDeclarationsInLine('javascript', "describe.only('LruCache', () => {")).toEqual([{ kind: 'suite', name: 'LruCache' }]);
    expect(findDeclarationsInLine('javascript', 'const title = "it(\'x\')";')).toEqual([]);
    expect(findDeclarationsInLine('python', 'async def test_fetch_twice(client):')).toEqual([{ kind: 'test', name: 'test_fetch_twice' }]);
    expect(findDeclarationsInLine('python', '@pytest.mark.parametrize("v", ["1", "2"], ids=["rc-ordering", "beta"])')).toEqual([
      { kind: 'parameter', name: 'rc-ordering' },
      { kind: 'parameter', name: 'beta' },
    ]);
    expect(findDeclarationsInLine('python', '    pytest.param("1.0", id="plain-release"),')).toEqual([{ kind: 'parameter', name: 'plain-release' }]);
    expect(findDeclarationsInLine('go', 'func TestParseRoute(t *testing.T) {')).toEqual([{ kind: 'test', name: 'TestParseRoute' }]);
    expect(findDeclarationsInLine('go', '\tt.Run("empty segment", func(t *testing.T) {')).toEqual([{ kind: 'test', name: 'empty segment' }]);
    expect(findDeclarationsInLine('go', '\t\t{name: "trailing slash", in: "/a/"},')).toEqual([{ kind: 'parameter', name: 'trailing slash' }]);
    expect(findDeclarationsInLine('rust', '    fn adds_two_numbers() {', true)).toEqual([{ kind: 'test', name: 'adds_two_numbers' }]);
    expect(findDeclarationsInLine('rust', '    fn helper() {', false)).toEqual([]);
  });
});

describe('removed or renamed tests in a test patch', () => {
  const isTest = (file: string): boolean => file.startsWith('test');

  it('finds a renamed mocha test, but not an edited one', () => {
    const renamed = patch('test/a.spec.js', ["-  it('keeps order', function () {", "+  it('keeps the order', function () {", '     run();']);
    expect(findRemovedTestDeclarations(findPatchTestDeclarations(renamed, 'javascript', isTest))).toEqual([{ file: 'test/a.spec.js', kind: 'test', name: 'keeps order' }]);
    const edited = patch('test/a.spec.js', ["-  it('keeps order', function () {", "+  it('keeps order', async function () {", '     run();']);
    expect(findRemovedTestDeclarations(findPatchTestDeclarations(edited, 'javascript', isTest))).toEqual([]);
  });

  it('reads #[test] above a Rust fn on the old side only', () => {
    const removed = patch('src/lib.rs', ['     #[test]', '-    fn adds() {', '+    fn adds_more() {', '     }']);
    expect(findRemovedTestDeclarations(findPatchTestDeclarations(removed, 'rust', () => true))).toEqual([{ file: 'src/lib.rs', kind: 'test', name: 'adds' }]);
    const helper = patch('src/lib.rs', ['     // helper', '-    fn build() {', '+    fn build_cache() {', '     }']);
    expect(findRemovedTestDeclarations(findPatchTestDeclarations(helper, 'rust', () => true))).toEqual([]);
  });

  it('says which tests and files go, for the test step', () => {
    const deleted = 'diff --git a/tests/test_x.py b/tests/test_x.py\ndeleted file mode 100644\n--- a/tests/test_x.py\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-def test_one():\n-    assert True\n';
    const feedback = describeRemovedTests(deleted, 'python', ['tests/**']);
    expect(feedback).toContain('- the test file tests/test_x.py is deleted');
    expect(feedback).toContain('- the test `test_one` in tests/test_x.py is removed or renamed');
    expect(describeRemovedTests(patch('tests/test_x.py', [' def test_one():', '+    assert 1', '     assert True']), 'python', ['tests/**'])).toBeUndefined();
  });
});

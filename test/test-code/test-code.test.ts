import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SweMirrorError } from '../../src/core/errors.js';
import { applySearchReplaceBlocks } from '../../src/edits/search-replace.js';
import { checkDiffRules, DEFAULT_RULE_OPTIONS } from '../../src/sources/rule-filter.js';
import { classifyContentChange, classifyHunkWithoutSource, nonTestCodeOnly, testCodeOnly } from '../../src/test-code/test-code.js';

const SOURCE = ['pub fn double(x: i32) -> i32 {', '    x * 2', '}', '', '#[cfg(test)]', 'mod tests {', '    use super::*;', '', '    #[test]', '    fn doubles() {', '        assert_eq!(double(2), 4);', '    }', '}', ''].join('\n');

describe('classifyContentChange', () => {
  it('judges each changed region apart, against the file as it was', () => {
    const after = SOURCE.replace('    x * 2', '    x + x').replace('        assert_eq!(double(2), 4);', '        assert_eq!(double(3), 6);');
    expect(classifyContentChange(SOURCE, after)).toEqual([
      { side: 'source', where: 'line 2' },
      { side: 'test', where: 'line 11' },
    ]);
    // A whole new test module appended to a file that had none is test code.
    const plain = 'pub fn one() -> i32 {\n    1\n}\n';
    expect(classifyContentChange(plain, `${plain}\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn one_is_one() {\n        assert_eq!(super::one(), 1);\n    }\n}\n`)).toEqual([{ side: 'test', where: 'after line 3' }]);
  });
});

describe('edit policies with inline tests', () => {
  const write = async (): Promise<string> => {
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-rs-'));
    await writeFile(path.join(directory, 'lib.rs'), SOURCE);
    return directory;
  };
  const edit = (search: string, replace: string) => [{ path: 'lib.rs', searchLines: [search], replaceLines: [replace] }];

  it('the test step may change the #[cfg(test)] module of a source file, not its code', async () => {
    const directory = await write();
    await applySearchReplaceBlocks(directory, edit('        assert_eq!(double(2), 4);', '        assert_eq!(double(5), 10);'), { allowedFiles: testCodeOnly(['tests/**'], 'the test step') });
    expect(await readFile(path.join(directory, 'lib.rs'), 'utf8')).toContain('double(5), 10');
    const refused = await applySearchReplaceBlocks(directory, edit('    x * 2', '    x + x'), { allowedFiles: testCodeOnly(['tests/**'], 'the test step') }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SweMirrorError);
    expect((refused as SweMirrorError).code).toBe('EDIT_FORBIDDEN_CHANGE');
    expect((refused as SweMirrorError).message).toContain('changes the non-test code of lib.rs (outside its #[cfg(test)] module) at line 2');
    // Refused edits leave the file as it was.
    expect(await readFile(path.join(directory, 'lib.rs'), 'utf8')).toContain('    x * 2');
  });

  it('the mirror step may change the code of a source file, not its #[cfg(test)] module', async () => {
    const directory = await write();
    await applySearchReplaceBlocks(directory, edit('    x * 2', '    x + 2'), { allowedFiles: nonTestCodeOnly(['tests/**'], 'the mirror step') });
    const refused = await applySearchReplaceBlocks(directory, edit('        assert_eq!(double(2), 4);', '        assert_eq!(double(2), 6);'), {
      allowedFiles: nonTestCodeOnly(['tests/**'], 'the mirror step'),
    }).catch((error: unknown) => error);
    expect((refused as SweMirrorError).code).toBe('EDIT_FORBIDDEN_CHANGE');
    expect((refused as SweMirrorError).message).toContain('changes the #[cfg(test)] module of lib.rs at line 11');
    // Test files by glob stay forbidden as before.
    const test = await applySearchReplaceBlocks(directory, [{ path: 'tests/a.rs', searchLines: [], replaceLines: ['#[test] fn a() {}'] }], {
      allowedFiles: nonTestCodeOnly(['tests/**'], 'the mirror step'),
    }).catch((error: unknown) => error);
    expect((test as SweMirrorError).code).toBe('EDIT_FORBIDDEN_FILE');
  });
});

/** A PR diff as git writes it (no Rust diff driver: the hunk context is the last unindented line, `mod tests {`). */
const INLINE_TEST_HUNK = ['@@ -127,4 +127,9 @@ mod tests {', '         assert_eq!(a, b);', '     }', ' ', '+    #[test]', '+    fn new_case() {', '+        assert!(parse("1e-3").is_ok());', '+    }', '+', ' }'].join('\n');
const CODE_HUNK = ['@@ -90,3 +90,3 @@ fn scan_number(chars: &[(usize, char)]) -> usize {', '     if x {', '-        let exponent = index + 1;', '+        let mut exponent = index + 1;', '     }'].join('\n');
const diffOf = (...hunks: string[]): string => ['diff --git a/src/lexer.rs b/src/lexer.rs', '--- a/src/lexer.rs', '+++ b/src/lexer.rs', ...hunks, ''].join('\n');

describe('the collect stage reads inline test hunks from the diff alone', () => {
  it('classifies hunks by git context, leading #[cfg(test)] or whole added test modules', () => {
    const [header = '', ...lines] = INLINE_TEST_HUNK.split('\n');
    expect(classifyHunkWithoutSource(header, lines)).toBe('test');
    const [codeHeader = '', ...codeLines] = CODE_HUNK.split('\n');
    expect(classifyHunkWithoutSource(codeHeader, codeLines)).toBe('source');
    expect(classifyHunkWithoutSource('@@ -3,0 +4,4 @@', ['+#[cfg(test)]', '+mod tests {', '+    #[test] fn t() {}', '+}'])).toBe('test');
    expect(classifyHunkWithoutSource('@@ -9,3 +9,4 @@', [' }', ' #[cfg(test)]', ' mod checks {', '+    #[test] fn t() {}'])).toBe('test');
  });

  it('drops a Rust PR that only changes a #[cfg(test)] module, and counts only code hunks as changed code lines', () => {
    expect(checkDiffRules(diffOf(INLINE_TEST_HUNK), DEFAULT_RULE_OPTIONS)).toMatchObject({ kept: false, reason: 'only-docs-ci-lock-or-tests' });
    expect(checkDiffRules(diffOf(CODE_HUNK, INLINE_TEST_HUNK), { ...DEFAULT_RULE_OPTIONS, maxChangedCodeLines: 2 })).toEqual({ kept: true, reason: 'passed' });
    expect(checkDiffRules(diffOf(CODE_HUNK, INLINE_TEST_HUNK), { ...DEFAULT_RULE_OPTIONS, maxChangedCodeLines: 1 })).toMatchObject({ kept: false, reason: 'too-many-changed-lines' });
  });
});

import { describe, expect, it } from 'vitest';
import { parsePatch } from '../../src/edits/patch.js';
import { checkPatchesStatically } from '../../src/verify/sanity.js';
import { classifyRustHunk, findRustTestModules } from '../../src/verify/inline-tests.js';

// The shape of rustc-demangle's src/lib.rs: code, then a test module with braces in strings and comments.
const LIB = [
  'pub fn demangle(s: &str) -> &str {', // 1
  '    s.trim_start_matches("_ZN")', // 2
  '}', // 3
  '', // 4
  '#[cfg(test)]', // 5
  'mod tests {', // 6
  '    // a } in a comment', // 7
  '    #[test]', // 8
  '    fn braces() {', // 9
  '        assert_eq!(super::demangle("_ZN{"), "{");', // 10
  "        let _ = '}';", // 11
  '    }', // 12
  '}', // 13
  '', // 14
  'pub fn after() {}', // 15
].join('\n');

const hunk = (header: string, lines: string[]) => {
  const section = parsePatch(`diff --git a/src/lib.rs b/src/lib.rs\n--- a/src/lib.rs\n+++ b/src/lib.rs\n${header}\n${lines.join('\n')}\n`)[0];
  return section?.hunks[0] as NonNullable<typeof section>['hunks'][number];
};

describe('findRustTestModules', () => {
  it('spans a #[cfg(test)] module from its attribute to its closing brace, ignoring braces in strings, chars and comments', () => {
    expect(findRustTestModules(LIB)).toEqual([{ start: 5, end: 13 }]);
    expect(findRustTestModules('#[cfg(test)]\n#[allow(unused)]\npub(crate) mod t {\n}\n')).toEqual([{ start: 1, end: 4 }]);
    expect(findRustTestModules('#[cfg(test)]\nfn helper() {}\n')).toEqual([]);
  });
});

describe('classifyRustHunk', () => {
  const modules = findRustTestModules(LIB);

  it('calls a new test added inside the module test code', () => {
    expect(classifyRustHunk(hunk('@@ -11,3 +11,5 @@', ["         let _ = '}';", '     }', '+    #[test]', '+    fn more() {}', ' }']), modules)).toBe('test');
  });

  it('calls an edit of the code above it source, and a hunk touching both mixed', () => {
    expect(classifyRustHunk(hunk('@@ -1,3 +1,3 @@', [' pub fn demangle(s: &str) -> &str {', '-    s.trim_start_matches("_ZN")', '+    s', ' }']), modules)).toBe('source');
    const both = ['-    s.trim_start_matches("_ZN")', '+    s', ' }', ' ', ' #[cfg(test)]', ' mod tests {', '-    // a } in a comment', '+    // changed'];
    expect(classifyRustHunk(hunk('@@ -2,6 +2,6 @@', both), modules)).toBe('mixed');
  });

  it('calls code added right after the module closes source, and a whole new test module test code', () => {
    expect(classifyRustHunk(hunk('@@ -13,2 +13,3 @@', [' }', '+pub fn extra() {}', ' ']), modules)).toBe('source');
    const newModule = ['+', '+#[cfg(test)]', '+mod more_tests {', '+    #[test]', '+    fn it_works() {}', '+}'];
    expect(classifyRustHunk(hunk('@@ -15,0 +16,6 @@', newModule), [])).toBe('test');
  });
});

describe('checkPatchesStatically with inline Rust tests', () => {
  it('leaves a test.patch that touches a .rs source file to the hunk check, and still refuses other source files', () => {
    const rustTest = 'diff --git a/src/lib.rs b/src/lib.rs\n--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -12,2 +12,3 @@\n     }\n+    // more\n }\n';
    const mirror = 'diff --git a/src/lib.rs b/src/lib.rs\n--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -2 +2 @@\n-    s.trim_start_matches("_ZN")\n+    s\n';
    expect(checkPatchesStatically({ mirror, test: rustTest }, ['tests/**']).reasons).toEqual([]);
    const pythonTest = rustTest.replaceAll('src/lib.rs', 'src/lib.py');
    expect(checkPatchesStatically({ mirror, test: pythonTest }, ['tests/**']).reasons.map((reason) => reason.message)).toEqual([
      'test.patch must change only test files, but it changes non-test files: src/lib.py.',
    ]);
  });
});

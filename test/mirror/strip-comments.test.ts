import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffWorkingCopy } from '../../src/edits/patch.js';
import { addedLinesByFile, stripAddedComments } from '../../src/mirror/strip-added-comments.js';
import { commentStyleFor, stripComments } from '../../src/mirror/strip-comments.js';

function stripAll(lines: string[], style: 'hash' | 'c-like'): string[] {
  return stripComments(lines, new Set(lines.map((_line, index) => index)), style).lines;
}

describe('stripComments', () => {
  it('python: removes # comments, keeps # inside strings and directives', () => {
    expect(
      stripAll(
        [
          '    if low > high:  # off by one on purpose',
          '    # the bug lives here',
          '    label = "#%d" % count  # note',
          "    url = f'{base}#anchor'",
          "    raw = r'\\d+#'",
          '#!/usr/bin/env python',
        ],
        'hash',
      ),
    ).toEqual(['    if low > high:', '    label = "#%d" % count', "    url = f'{base}#anchor'", "    raw = r'\\d+#'", '#!/usr/bin/env python']);
  });

  it('javascript/typescript: removes // and /* */, keeps strings, templates and regex literals', () => {
    expect(
      stripAll(
        [
          'const url = "http://example.com"; // home',
          "const pattern = /https?:\\/\\//g; // urls",
          'const text = `a // b`;',
          'if (a /* inline */ < b) {',
          '  /* start',
          '     still comment */ call();',
          '  // @ts-expect-error keeps its meaning',
          'const ratio = a / b; // half',
        ],
        'c-like',
      ),
    ).toEqual([
      'const url = "http://example.com";',
      'const pattern = /https?:\\/\\//g;',
      'const text = `a // b`;',
      'if (a  < b) {',
      ' call();',
      '  // @ts-expect-error keeps its meaning',
      'const ratio = a / b;',
    ]);
  });

  it('go and rust: keeps build directives, raw strings, char literals and lifetimes', () => {
    expect(stripAll(['//go:build linux', 'x := `raw // text` // c', "r := '/' // slash"], 'c-like')).toEqual([
      '//go:build linux',
      'x := `raw // text`',
      "r := '/'",
    ]);
    expect(
      stripAll(["fn f<'a>(s: &'a str) -> char { '\"' } // q", 'let p = r#"a // b"#; /// doc', 'let c = \'\\\'\'; // quote'], 'c-like'),
    ).toEqual(["fn f<'a>(s: &'a str) -> char { '\"' }", 'let p = r#"a // b"#;', "let c = '\\'';"]);
  });

  it('touches only the target lines', () => {
    const result = stripComments(['a = 1  # keep me', 'b = 2  # strip me', '# keep line'], new Set([1]), 'hash');
    expect(result.lines).toEqual(['a = 1  # keep me', 'b = 2', '# keep line']);
    expect(result.changedLines).toEqual([1]);
  });

  it('picks the style from the extension first', () => {
    expect(commentStyleFor('pkg/a.py', 'javascript')).toBe('hash');
    expect(commentStyleFor('src/a.ts', 'python')).toBe('c-like');
    expect(commentStyleFor('README.md', 'python')).toBeUndefined();
  });
});

describe('stripAddedComments', () => {
  it('strips comments only from the lines the patch adds, in a real working copy', async () => {
    const repository = mkdtempSync(path.join(os.tmpdir(), 'swe-mirror-strip-'));
    try {
      mkdirSync(path.join(repository, 'lib'));
      writeFileSync(path.join(repository, 'lib', 'range.js'), '// Range helpers.\nfunction inRange(x, low, high) {\n  return x >= low && x <= high; // inclusive\n}\n');
      execFileSync('git', ['init', '-q'], { cwd: repository });
      execFileSync('git', ['add', '.'], { cwd: repository });
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'init'], { cwd: repository });
      writeFileSync(
        path.join(repository, 'lib', 'range.js'),
        '// Range helpers.\nfunction inRange(x, low, high) {\n  // BUG: exclusive upper bound\n  return x >= low && x < high; // was <=\n}\n',
      );
      const patch = await diffWorkingCopy(repository);
      expect(addedLinesByFile(patch).get('lib/range.js')).toEqual(new Set([2, 3]));
      const result = await stripAddedComments(repository, patch, 'javascript');
      expect(result).toEqual({ files: ['lib/range.js'], lineCount: 2 });
      expect(readFileSync(path.join(repository, 'lib', 'range.js'), 'utf8')).toBe(
        '// Range helpers.\nfunction inRange(x, low, high) {\n  return x >= low && x < high;\n}\n',
      );
      const stripped = await diffWorkingCopy(repository);
      expect(stripped).not.toContain('BUG');
      expect(stripped).toContain('-  return x >= low && x <= high; // inclusive');
    } finally {
      rmSync(repository, { recursive: true, force: true });
    }
  });
});

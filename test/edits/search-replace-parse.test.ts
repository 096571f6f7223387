import { describe, expect, it } from 'vitest';
import { cleanPath, parseSearchReplaceBlocks } from '../../src/edits/search-replace-parse.js';

describe('parseSearchReplaceBlocks', () => {
  it('reads a bare block', () => {
    const parsed = parseSearchReplaceBlocks(
      ['src/a.py', '<<<<<<< SEARCH', 'x = 1', '=======', 'x = 2', '>>>>>>> REPLACE'].join('\n'),
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.blocks).toEqual([{ path: 'src/a.py', searchLines: ['x = 1'], replaceLines: ['x = 2'] }]);
  });

  it('tolerates prose, fences, CRLF, trailing whitespace and decorated path lines', () => {
    const answer = [
      'Here is my change.',
      '',
      '### `src/a.py`',
      '```python',
      '<<<<<<< SEARCH  ',
      'def f():   ',
      '    return 1',
      '=======',
      'def f():',
      '    return 2',
      '>>>>>>> REPLACE',
      '```',
      '',
      'File: lib/b.js',
      '```js',
      '<<<<<<< SEARCH',
      'a()',
      '=======',
      'b()',
      '>>>>>>> REPLACE',
      '```',
      'That is all.',
    ].join('\r\n');
    const parsed = parseSearchReplaceBlocks(answer);
    expect(parsed.problems).toEqual([]);
    expect(parsed.blocks).toEqual([
      { path: 'src/a.py', searchLines: ['def f():', '    return 1'], replaceLines: ['def f():', '    return 2'] },
      { path: 'lib/b.js', searchLines: ['a()'], replaceLines: ['b()'] },
    ]);
  });

  it('takes the path from a fence info string and reuses it for a directly following block', () => {
    const answer = [
      '```python tests/test_x.py',
      '<<<<<<< SEARCH',
      'a',
      '=======',
      'b',
      '>>>>>>> REPLACE',
      '<<<<<<< SEARCH',
      'c',
      '=======',
      'd',
      '>>>>>>> REPLACE',
      '```',
    ].join('\n');
    const parsed = parseSearchReplaceBlocks(answer);
    expect(parsed.blocks.map((block) => block.path)).toEqual(['tests/test_x.py', 'tests/test_x.py']);
  });

  it('treats an all-blank SEARCH as file creation', () => {
    const parsed = parseSearchReplaceBlocks(['new/file.go', '<<<<<<< SEARCH', '', '=======', 'package x', '>>>>>>> REPLACE'].join('\n'));
    expect(parsed.blocks[0]?.searchLines).toEqual([]);
    expect(parsed.blocks[0]?.replaceLines).toEqual(['package x']);
  });

  it('reports blocks without a path or without an end, and reads nothing from garbage', () => {
    const parsed = parseSearchReplaceBlocks(
      ['I will now change things:', '<<<<<<< SEARCH', 'a', '=======', 'b', '>>>>>>> REPLACE', 'x.py', '<<<<<<< SEARCH', 'a', '======='].join('\n'),
    );
    expect(parsed.blocks).toEqual([]);
    expect(parsed.problems).toHaveLength(2);
    expect(parsed.problems[0]).toMatch(/no file path/);
    expect(parsed.problems[1]).toMatch(/not closed/);
    expect(parseSearchReplaceBlocks('I cannot help with that.')).toEqual({ blocks: [], problems: [] });
  });

  it('cleans decorated paths', () => {
    expect(cleanPath('**`src/x.ts`**')).toBe('src/x.ts');
    expect(cleanPath('File: ./src/x.ts:')).toBe('src/x.ts');
    expect(cleanPath('## path: `a/b.rs`')).toBe('a/b.rs');
    expect(cleanPath('- `a/b.rs`')).toBe('a/b.rs');
  });
});

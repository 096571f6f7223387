import { describe, expect, it } from 'vitest';
import { parsePathListAnswer, parseStructuredAnswer } from '../../src/mirror/parse-answer.js';

const keys = ['source', 'test'] as const;

describe('parsePathListAnswer', () => {
  it('reads a JSON object with loosely named keys, inside prose and a fence', () => {
    const answer = 'Sure! Here it is:\n```json\n{"sourceFiles": ["pkg/a.py"], "test_files": ["tests/test_a.py"]}\n```\nDone.';
    expect(parsePathListAnswer(answer, keys)).toEqual({ byKey: { source: ['pkg/a.py'], test: ['tests/test_a.py'] }, unkeyed: [], form: 'json' });
  });

  it('reads a Python dict and a Python list', () => {
    expect(parsePathListAnswer("{'source_files': ['pkg/a.py',], 'test_files': []}", keys)?.byKey).toEqual({ source: ['pkg/a.py'], test: [] });
    expect(parsePathListAnswer("The files are ['pkg/a.py', 'pkg/b.py'] I think", keys)).toEqual({ byKey: {}, unkeyed: ['pkg/a.py', 'pkg/b.py'], form: 'json' });
  });

  it('reads fenced lines and bullet lines, cleaning decorations', () => {
    expect(parsePathListAnswer('```\n`pkg/a.py`\nlib/b.js\n```', keys)).toEqual({ byKey: {}, unkeyed: ['pkg/a.py', 'lib/b.js'], form: 'fenced-lines' });
    expect(parsePathListAnswer('Look at:\n- `pkg/a.py` - the parser\n2. lib/b.js (helpers)', keys)).toEqual({
      byKey: {},
      unkeyed: ['pkg/a.py', 'lib/b.js'],
      form: 'bullet-lines',
    });
  });

  it('returns undefined for garbage', () => {
    expect(parsePathListAnswer('I am not sure what you mean.', keys)).toBeUndefined();
    expect(parseStructuredAnswer('no json {here')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { planDuplicates } from '../../src/dataset/dedup.js';
import { hashFixContent, measurePatch } from '../../src/dataset/fix-content.js';
import { computeLanguageStats, renderStats } from '../../src/dataset/stats.js';
import { makeTask } from '../support/records.js';

const FIX = 'diff --git a/a.py b/a.py\nindex 1..2 100644\n--- a/a.py\n+++ b/a.py\n@@ -1,2 +1,2 @@\n ctx\n-x = 2\n+x = 1\n';

describe('fix content', () => {
  it('ignores headers, offsets and whitespace but not content', () => {
    const moved = FIX.replace('index 1..2 100644\n', '').replace('@@ -1,2 +1,2 @@', '@@ -10,2 +10,2 @@').replace('+x = 1', '+x  =  1');
    expect(hashFixContent(moved)).toBe(hashFixContent(FIX));
    expect(hashFixContent(FIX.replace('+x = 1', '+x = 3'))).not.toBe(hashFixContent(FIX));
  });

  it('measures hunks, changed lines and files', () => {
    expect(measurePatch(FIX)).toEqual({ hunks: 1, lines: 2, files: 1 });
  });
});

describe('planDuplicates', () => {
  it('keeps the first task in collection order per FAIL_TO_PASS set and per fix, per gym', () => {
    const first = makeTask('a', { createdAt: '2024-01-01T00:00:00Z', FAIL_TO_PASS: ['t1', 't2'] });
    const sameTests = makeTask('b', { createdAt: '2024-01-02T00:00:00Z', FAIL_TO_PASS: ['t2', 't1'] });
    const sameFix = makeTask('c', { createdAt: '2024-01-03T00:00:00Z', FAIL_TO_PASS: ['t3'], fixPatch: first.fixPatch });
    const otherGym = makeTask('d', { createdAt: '2024-01-04T00:00:00Z', gym: 'other', FAIL_TO_PASS: ['t1', 't2'], fixPatch: first.fixPatch });
    const distinct = makeTask('e', { createdAt: '2024-01-05T00:00:00Z', FAIL_TO_PASS: ['t9'] });
    expect(planDuplicates([first, sameTests, sameFix, otherGym, distinct])).toEqual([
      { instanceId: 'b', duplicateOf: 'a', reason: 'same-fail-to-pass' },
      { instanceId: 'c', duplicateOf: 'a', reason: 'same-fix' },
    ]);
    // Finishing order (createdAt) does not matter, collection order does.
    expect(planDuplicates([sameTests, first]).map((mark) => mark.instanceId)).toEqual(['a']);
  });
});

describe('computeLanguageStats', () => {
  it('computes the per-language table with a total row', () => {
    const python = makeTask('p1', { FAIL_TO_PASS: ['a', 'b'], PASS_TO_PASS: ['c', 'd', 'e', 'f'] });
    const python2 = makeTask('p2', { FAIL_TO_PASS: ['a'], PASS_TO_PASS: ['c', 'd'], repo: 'swe-mirror/other' });
    const go = makeTask('g1', { language: 'go', FAIL_TO_PASS: ['x'], PASS_TO_PASS: [] });
    const rows = computeLanguageStats([python, python2, go]);
    expect(rows.map((row) => [row.language, row.repos, row.instances, row.meanFailToPass, row.meanPassToPass])).toEqual([
      ['go', 1, 1, 1, 0],
      ['python', 2, 2, 1.5, 3],
      ['Total', 2, 3, 1.33, 2],
    ]);
    expect(rows[0]?.meanFixHunks).toBe(1);
    expect(rows[0]?.meanFixLines).toBe(2);
    const text = renderStats(rows);
    expect(text.split('\n')[0]).toMatch(/^Language\s+Repos\s+Instances\s+Fix hunks\s+Fix lines\s+Mean P2P\s+Mean F2P$/);
    expect(text).toMatch(/^python\s+2\s+2\s+1\s+2\s+3\s+1\.5$/m);
  });
});

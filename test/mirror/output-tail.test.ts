import { describe, expect, it } from 'vitest';
import { cleanFeedbackText, outputTail } from '../../src/mirror/precheck.js';

describe('outputTail', () => {
  it('gives the same feedback for the same failure in another slot and at another speed', () => {
    const first = {
      cwd: '/data/gyms/calc-1/repo',
      stdout: 'rootdir: /data/gyms/calc-1/repo\nFAILED tests/test_a.py::test_x - assert 1 == 2\n==== 1 failed, 3 passed in 0.12s ====',
      stderr: 'tmp file /tmp/swe-mirror-abc/x.log at 12:01:33',
    };
    const second = {
      cwd: '/data/gyms/calc-1/copies/3',
      stdout: 'rootdir: /data/gyms/calc-1/copies/3\nFAILED tests/test_a.py::test_x - assert 1 == 2\n==== 1 failed, 3 passed in 1.87s ====',
      stderr: 'tmp file /tmp/swe-mirror-def/x.log at 12:09:01',
    };
    expect(outputTail(first)).toBe(outputTail(second));
    expect(outputTail(first)).toContain('FAILED tests/test_a.py::test_x - assert 1 == 2');
    expect(outputTail(first)).toContain('rootdir: .');
  });

  it('keeps only the last lines', () => {
    const stdout = Array.from({ length: 100 }, (_, index) => `line ${index}`).join('\n');
    expect(outputTail({ stdout, stderr: '' }, 3)).toBe('line 97\nline 98\nline 99');
  });

  it('never passes ANSI codes on (tsc pretty output, coloured runners)', () => {
    const stdout = '\u001b[96msrc/a.ts\u001b[0m:\u001b[93m3\u001b[0m:\u001b[93m7\u001b[0m - \u001b[91merror\u001b[0m\u001b[90m TS2322: \u001b[0mType mismatch.\r\n';
    expect(outputTail({ stdout, stderr: '' })).toBe('src/a.ts:3:7 - error TS2322: Type mismatch.');
    expect(cleanFeedbackText('\u001b[31mat /work/copy/3/lib/a.js:1\u001b[39m', '/work/copy/3')).toBe('at ./lib/a.js:1');
  });
});

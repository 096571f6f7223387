import { describe, expect, it } from 'vitest';
import { compareStatuses, describeDisagreement } from '../../src/validate/compare-statuses.js';
import { isExportedTask, parseExportedLine } from '../../src/validate/read-exported-tasks.js';

const LISTS = { FAIL_TO_PASS: ['f2p'], PASS_TO_PASS: ['p2p'] };

describe('compareStatuses', () => {
  it('before the fix, a FAIL_TO_PASS test may be FAILED, SKIPPED or absent, but not PASSED', () => {
    expect(compareStatuses('before-fix', LISTS, { f2p: 'FAILED', p2p: 'PASSED' })).toEqual([]);
    expect(compareStatuses('before-fix', LISTS, { f2p: 'SKIPPED', p2p: 'PASSED' })).toEqual([]);
    expect(compareStatuses('before-fix', LISTS, { p2p: 'PASSED' })).toEqual([]);
    expect(compareStatuses('before-fix', LISTS, { f2p: 'PASSED', p2p: 'PASSED' })).toEqual([
      { test: 'f2p', list: 'FAIL_TO_PASS', state: 'before-fix', expected: 'fail', got: 'PASSED' },
    ]);
  });

  it('after the fix every listed test must be PASSED; absence counts as NONE', () => {
    expect(compareStatuses('after-fix', LISTS, { f2p: 'PASSED', p2p: 'PASSED' })).toEqual([]);
    const disagreements = compareStatuses('after-fix', LISTS, { p2p: 'SKIPPED' });
    expect(disagreements).toEqual([
      { test: 'f2p', list: 'FAIL_TO_PASS', state: 'after-fix', expected: 'pass', got: 'NONE' },
      { test: 'p2p', list: 'PASS_TO_PASS', state: 'after-fix', expected: 'pass', got: 'SKIPPED' },
    ]);
    expect(describeDisagreement(disagreements[0]!)).toBe('f2p (FAIL_TO_PASS) after the fix: expected to pass, got NONE');
  });

  it('a PASS_TO_PASS test must pass before the fix too', () => {
    expect(compareStatuses('before-fix', LISTS, { f2p: 'FAILED', p2p: 'FAILED' })).toEqual([
      { test: 'p2p', list: 'PASS_TO_PASS', state: 'before-fix', expected: 'pass', got: 'FAILED' },
    ]);
  });
});

describe('parseExportedLine', () => {
  const record = { instance_id: 'a-1', gym: 'a', base_commit: 'abc1234', patch: 'p', test_patch: 't', FAIL_TO_PASS: ['x'], PASS_TO_PASS: [], extra: 1 };

  it('reads lists and their JSON-string form, ignoring extra fields', () => {
    const entry = parseExportedLine(JSON.stringify({ ...record, FAIL_TO_PASS: '["x","y"]' }), 3, 'tasks.jsonl');
    expect(isExportedTask(entry) && entry).toMatchObject({ line: 3, instanceId: 'a-1', FAIL_TO_PASS: ['x', 'y'], PASS_TO_PASS: [] });
  });

  it('names the file, line, instance and every missing or wrong field', () => {
    const entry = parseExportedLine(JSON.stringify({ ...record, base_commit: 'HEAD', PASS_TO_PASS: '{"no": 1}', patch: undefined }), 7, 'out/tasks.jsonl');
    expect(isExportedTask(entry)).toBe(false);
    if (isExportedTask(entry)) return;
    expect(entry.error).toMatchObject({ code: 'EXPORT_RECORD_INVALID', kind: 'user' });
    expect(entry.error.message).toMatch(/^out\/tasks\.jsonl:7 \(a-1\) is not a task record: /);
    expect(entry.error.message).toContain('base_commit: must be a commit id');
    expect(entry.error.message).toContain('patch: ');
    expect(entry.error.message).toContain('PASS_TO_PASS: must be a list of test names, or a JSON string holding one');
    const escaping = parseExportedLine(JSON.stringify({ ...record, gym: '../../etc' }), 1, 'tasks.jsonl');
    expect(!isExportedTask(escaping) && escaping.error.message).toContain('gym: must be a gym name');
  });
});

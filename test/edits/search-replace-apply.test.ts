import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SweMirrorError } from '../../src/core/errors.js';
import {
  applySearchReplaceBlocks,
  nonTestFilesOnly,
  parseSearchReplaceBlocks,
  testFilesOnly,
} from '../../src/edits/search-replace.js';

let repository: string;

function write(relative: string, content: string): void {
  const absolute = path.join(repository, relative);
  mkdirSync(path.dirname(absolute), { recursive: true });
  writeFileSync(absolute, content);
}

function read(relative: string): string {
  return readFileSync(path.join(repository, relative), 'utf8');
}

async function apply(answer: string, options: Parameters<typeof applySearchReplaceBlocks>[2] = {}) {
  return applySearchReplaceBlocks(repository, parseSearchReplaceBlocks(answer).blocks, options);
}

async function expectError(promise: Promise<unknown>, code: string): Promise<SweMirrorError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SweMirrorError);
  const typed = error as SweMirrorError;
  expect(typed.code).toBe(code);
  expect(typed.kind).toBe('model');
  return typed;
}

function block(file: string, search: string, replace: string): string {
  return `${file}\n<<<<<<< SEARCH\n${search}\n=======\n${replace}\n>>>>>>> REPLACE\n`;
}

beforeEach(() => {
  repository = mkdtempSync(path.join(os.tmpdir(), 'swe-mirror-sr-'));
  execFileSync('git', ['init', '-q'], { cwd: repository });
  write('pkg/ranges.py', 'def low(x):\n    if x < 0:\n        return 0\n    return x\n\n\ndef high(x):\n    if x < 0:\n        return 0\n    return x\n');
  write('tests/test_ranges.py', 'def test_low():\n    assert True\n');
});

afterEach(() => rmSync(repository, { recursive: true, force: true }));

describe('applySearchReplaceBlocks', () => {
  it('replaces an exact match and reports the file', async () => {
    const result = await apply(block('pkg/ranges.py', 'def low(x):\n    if x < 0:', 'def low(x):\n    if x <= 0:'));
    expect(result.files).toEqual(['pkg/ranges.py']);
    expect(result.blocks).toEqual([{ path: 'pkg/ranges.py', tier: 'exact' }]);
    expect(read('pkg/ranges.py')).toContain('def low(x):\n    if x <= 0:\n        return 0');
    expect(read('pkg/ranges.py')).toContain('def high(x):\n    if x < 0:');
  });

  it('matches with different indentation and re-indents the replacement', async () => {
    const result = await apply(block('pkg/ranges.py', 'def high(x):\nif x < 0:\n    return 0', 'def high(x):\nif x < 0:\n    return -1'));
    expect(result.blocks[0]?.tier).toBe('indentation');
    expect(read('pkg/ranges.py')).toContain('def high(x):\n    if x < 0:\n        return -1\n    return x');

    write('pkg/nested.py', 'class A:\n    def f(self):\n        return 1\n');
    const nested = await apply(block('pkg/nested.py', 'def f(self):\n    return 1', 'def f(self):\n    return 2'));
    expect(nested.blocks[0]?.tier).toBe('indentation');
    expect(read('pkg/nested.py')).toBe('class A:\n    def f(self):\n        return 2\n');
  });

  it('ignores trailing whitespace in the file and keeps CRLF line endings', async () => {
    write('pkg/windows.py', 'a = 1   \r\nb = 2\r\n');
    const result = await apply(block('pkg/windows.py', 'a = 1\nb = 2', 'a = 1\nb = 3'));
    expect(result.blocks[0]?.tier).toBe('trailing-whitespace');
    expect(read('pkg/windows.py')).toBe('a = 1\r\nb = 3\r\n');
  });

  it('names the file and the search text when nothing matches, and leaves the copy untouched', async () => {
    const before = read('pkg/ranges.py');
    const error = await expectError(
      apply(block('pkg/ranges.py', 'def low(x):\n    if x < 0:', 'x') + block('pkg/ranges.py', 'def nowhere():', 'y')),
      'EDIT_SEARCH_NOT_FOUND',
    );
    expect(error.message).toContain('pkg/ranges.py');
    expect(error.message).toContain('def nowhere():');
    expect(read('pkg/ranges.py')).toBe(before);
  });

  it('refuses an ambiguous match, naming the lines', async () => {
    const error = await expectError(apply(block('pkg/ranges.py', '    if x < 0:\n        return 0', 'pass')), 'EDIT_SEARCH_AMBIGUOUS');
    expect(error.message).toContain('matches 2 places (lines 2, 8)');
    expect(error.message).toContain('if x < 0:');
  });

  it('creates a new file from an empty SEARCH, and refuses to overwrite a non-empty one', async () => {
    const result = await apply(block('tests/test_new.py', '', 'def test_new():\n    assert 1'));
    expect(result.createdFiles).toEqual(['tests/test_new.py']);
    expect(read('tests/test_new.py')).toBe('def test_new():\n    assert 1\n');
    await expectError(apply(block('pkg/ranges.py', '', 'x = 1')), 'EDIT_FILE_EXISTS');
    await expectError(apply(block('pkg/missing.py', 'a', 'b')), 'EDIT_FILE_NOT_FOUND');
  });

  it('refuses paths outside the repository, into .git, or through an escaping link', async () => {
    await expectError(apply(block('../outside.py', '', 'x')), 'EDIT_PATH_OUTSIDE_REPOSITORY');
    await expectError(apply(block('/etc/passwd', 'root', 'x')), 'EDIT_PATH_OUTSIDE_REPOSITORY');
    await expectError(apply(block('.git/config', '', 'x')), 'EDIT_PATH_OUTSIDE_REPOSITORY');
    const outside = mkdtempSync(path.join(os.tmpdir(), 'swe-mirror-outside-'));
    try {
      symlinkSync(outside, path.join(repository, 'escape'));
      await expectError(apply(block('escape/evil.py', '', 'x')), 'EDIT_PATH_OUTSIDE_REPOSITORY');
      expect(existsSync(path.join(outside, 'evil.py'))).toBe(false);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('enforces the file policy, naming the file and why', async () => {
    const tests = testFilesOnly(['tests/**'], 'the test step');
    const error = await expectError(apply(block('pkg/ranges.py', 'def low(x):', 'def low(y):'), { allowedFiles: tests }), 'EDIT_FORBIDDEN_FILE');
    expect(error.message).toContain('pkg/ranges.py');
    expect(error.message).toContain('the test step may edit test files only');
    await apply(block('tests/test_ranges.py', '    assert True', '    assert 1 == 1'), { allowedFiles: tests });

    const sources = nonTestFilesOnly(['tests/**'], 'the mirror step');
    const refused = await expectError(apply(block('tests/test_ranges.py', 'def test_low():', 'def test_lo():'), { allowedFiles: sources }), 'EDIT_FORBIDDEN_FILE');
    expect(refused.message).toContain('the mirror step may not edit test files');
  });

  it('refuses an answer with no blocks', async () => {
    await expectError(applySearchReplaceBlocks(repository, []), 'EDIT_NO_BLOCKS');
  });
});

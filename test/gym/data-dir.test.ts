import { homedir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SweMirrorError } from '../../src/core/errors.js';
import { DATA_DIRECTORY_VARIABLE, resolveDataDirectory } from '../../src/gym/data-dir.js';

describe('resolveDataDirectory', () => {
  const saved = process.env[DATA_DIRECTORY_VARIABLE];
  afterEach(() => {
    if (saved === undefined) delete process.env[DATA_DIRECTORY_VARIABLE];
    else process.env[DATA_DIRECTORY_VARIABLE] = saved;
  });

  it('prefers the flag, then the environment variable, then ~/.cache/swe-mirror', () => {
    process.env[DATA_DIRECTORY_VARIABLE] = '/var/tmp/from-env';
    expect(resolveDataDirectory('/var/tmp/from-flag')).toBe('/var/tmp/from-flag');
    expect(resolveDataDirectory()).toBe('/var/tmp/from-env');
    delete process.env[DATA_DIRECTORY_VARIABLE];
    expect(resolveDataDirectory()).toBe(path.join(homedir(), '.cache', 'swe-mirror'));
  });

  it('refuses a path with a test or tests segment, naming where it came from', () => {
    const error = (() => {
      try {
        resolveDataDirectory('/srv/project/tests/data');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(SweMirrorError);
    expect((error as SweMirrorError).code).toBe('DATA_DIRECTORY_UNSAFE');
    expect((error as SweMirrorError).kind).toBe('user');
    expect((error as SweMirrorError).message).toContain('--data-dir');
    process.env[DATA_DIRECTORY_VARIABLE] = '/srv/test/data';
    expect(() => resolveDataDirectory()).toThrow(/SWE_MIRROR_DATA_DIR/);
    expect(resolveDataDirectory('/srv/testing/data')).toBe('/srv/testing/data');
  });
});

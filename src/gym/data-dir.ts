import { homedir } from 'node:os';
import path from 'node:path';
import { SweMirrorError } from '../core/errors.js';

export const DATA_DIRECTORY_VARIABLE = 'SWE_MIRROR_DATA_DIR';

/** Where prepared gyms live: the flag, else $SWE_MIRROR_DATA_DIR, else ~/.cache/swe-mirror. */
export function resolveDataDirectory(flag?: string): string {
  const fromEnvironment = process.env[DATA_DIRECTORY_VARIABLE];
  const [chosen, source] = flag
    ? [flag, '--data-dir']
    : fromEnvironment
      ? [fromEnvironment, DATA_DIRECTORY_VARIABLE]
      : [path.join(homedir(), '.cache', 'swe-mirror'), 'the default'];
  const absolute = path.resolve(chosen);
  const offending = absolute.split(path.sep).find((segment) => segment === 'test' || segment === 'tests');
  if (offending) {
    throw new SweMirrorError({
      code: 'DATA_DIRECTORY_UNSAFE',
      kind: 'user',
      message: `Data directory ${absolute} (from ${source}) has a path segment named "${offending}".`,
      hint: `Test runners such as node --test treat files under any "test" directory as tests; choose another path with --data-dir or ${DATA_DIRECTORY_VARIABLE}.`,
      details: { dataDirectory: absolute, source },
    });
  }
  return absolute;
}

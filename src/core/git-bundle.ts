import { closeSync, openSync, readSync, statSync } from 'node:fs';

/** Whether a file starts with a git bundle header (`# v2 git bundle` or `# v3 git bundle`). */
export function isGitBundleFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    const descriptor = openSync(file, 'r');
    try {
      const header = Buffer.alloc(16);
      const length = readSync(descriptor, header, 0, header.length, 0);
      return /^# v[23] git bundle/.test(header.subarray(0, length).toString('latin1'));
    } finally {
      closeSync(descriptor);
    }
  } catch {
    return false;
  }
}

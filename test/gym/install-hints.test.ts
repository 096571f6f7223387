import { describe, expect, it } from 'vitest';
import { diagnoseInstallFailure } from '../../src/gym/install-hints.js';

describe('diagnoseInstallFailure', () => {
  it('names GitHub-hosted lockfile entries when npm ci fails on the network', () => {
    const output = 'npm error code ENOTFOUND\nnpm error request to https://codeload.github.com/user/pkg/tar.gz/abc123 failed, reason: getaddrinfo ENOTFOUND codeload.github.com\n';
    expect(diagnoseInstallFailure('npm ci --no-audit', output)).toMatch(/needs network access to github\.com/);
  });

  it('stays quiet for other failures', () => {
    expect(diagnoseInstallFailure('npm ci', 'npm error code ENOTFOUND\nnpm error request to https://registry.npmjs.org/x failed')).toBeUndefined();
    expect(diagnoseInstallFailure('pip install .', 'Could not resolve host: github.com')).toBeUndefined();
  });
});

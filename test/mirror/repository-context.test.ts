import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatFileContents } from '../../src/mirror/repository-context.js';

describe('formatFileContents (paths the model names)', () => {
  it('shows files inside the working copy and nothing outside it: no .., no absolute path, no symlink out, no .git', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'swe-mirror-context-'));
    const workdir = path.join(root, 'repo');
    await mkdir(path.join(workdir, 'src'), { recursive: true });
    await mkdir(path.join(workdir, '.git'));
    await writeFile(path.join(root, 'host-secret.txt'), 'HOST-SECRET');
    await writeFile(path.join(workdir, '.git', 'config'), 'GIT-CONFIG');
    await writeFile(path.join(workdir, 'src', 'ok.py'), 'VISIBLE');
    await symlink(path.join(root, 'host-secret.txt'), path.join(workdir, 'src', 'leak.py'));
    await symlink('ok.py', path.join(workdir, 'src', 'alias.py'));
    const shown = await formatFileContents(workdir, ['src/ok.py', '../host-secret.txt', path.join(root, 'host-secret.txt'), 'src/leak.py', '.git/config', 'src/alias.py']);
    expect(shown).not.toContain('HOST-SECRET');
    expect(shown).not.toContain('GIT-CONFIG');
    expect(shown.match(/VISIBLE/g)).toHaveLength(2);
  });
});

import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { writeFileAtomically } from '../../src/dataset/atomic-write.js';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// A user + mount namespace lets an unprivileged test mount a tiny tmpfs: a real full disk.
const canMountTinyDisk = spawnSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs /mnt && echo ok'], { encoding: 'utf8' }).stdout.trim() === 'ok';

describe('writeFileAtomically', () => {
  it('replaces the target in one step', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'swe-mirror-atomic-'));
    const target = path.join(directory, 'out.jsonl');
    await writeFile(target, 'old\n');
    await writeFileAtomically(target, ['a\n', 'b\n']);
    expect(await readFile(target, 'utf8')).toBe('a\nb\n');
    expect(await readdir(directory)).toEqual(['out.jsonl']);
  });

  it.skipIf(!canMountTinyDisk)('leaves no truncated file behind when the disk is full, and keeps the old file', async () => {
    const script = [
      "import { writeFileSync, readdirSync, readFileSync } from 'node:fs';",
      "import { writeFileAtomically } from './src/dataset/atomic-write.ts';",
      "writeFileSync('/mnt/tasks.jsonl', 'previous export\\n');",
      "const big = 'x'.repeat(1024) + '\\n';",
      'try { await writeFileAtomically("/mnt/tasks.jsonl", Array.from({ length: 512 }, () => big)); console.log("WROTE"); }',
      'catch (error) { console.log(JSON.stringify({ code: error.code, message: error.message, files: readdirSync("/mnt"), content: readFileSync("/mnt/tasks.jsonl", "utf8") })); }',
    ].join('\n');
    const scriptFile = path.join(repositoryRoot, `.disk-full-probe-${process.pid}.mts`);
    await writeFile(scriptFile, script);
    try {
      const result = spawnSync('unshare', ['-rm', 'sh', '-c', `mount -t tmpfs -o size=64k tmpfs /mnt && node --import tsx ${scriptFile}`], {
        cwd: repositoryRoot,
        encoding: 'utf8',
      });
      const outcome = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}');
      expect(outcome.code).toBe('EXPORT_DISK_FULL');
      expect(outcome.message).toMatch(/disk is full.*Nothing was written/);
      expect(outcome.files).toEqual(['tasks.jsonl']);
      expect(outcome.content).toBe('previous export\n');
    } finally {
      await import('node:fs/promises').then((fs) => fs.rm(scriptFile, { force: true }));
    }
  });
});

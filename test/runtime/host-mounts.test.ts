/** docker.mounts: the spec rules (absolute paths, not at or around the workdir) and the host checks before any container starts. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerSettingsSchema } from '../../src/config/gym-spec.js';
import { checkHostMounts, toHostMounts, toReadOnlyBinds } from '../../src/runtime/docker/host-mounts.js';

describe('docker.mounts', () => {
  it('accepts absolute toolchain paths and refuses relative ones, .. and targets at, in or above the workdir', () => {
    expect(dockerSettingsSchema.safeParse({ mounts: [{ source: '/usr/local/go' }] }).success).toBe(true);
    for (const mount of [{ source: 'usr/local/go' }, { source: '/usr/../root' }, { source: '/usr/local/go', target: '/testbed/go' }, { source: '/opt/x', target: '/' }, { source: '/opt/x', target: '/testbed' }]) {
      expect(dockerSettingsSchema.safeParse({ mounts: [mount] }).success, JSON.stringify(mount)).toBe(false);
    }
    expect(dockerSettingsSchema.safeParse({ workdir: '/home/app/repo', mounts: [{ source: '/opt/x', target: '/home' }] }).success).toBe(false);
  });

  it('binds read-only always, the target defaulting to the source', () => {
    expect(toReadOnlyBinds(checkHostMounts(toHostMounts([{ source: '/usr/bin' }, { source: '/usr/lib', target: '/opt/lib' }]), [], 'test'))).toEqual(['/usr/bin:/usr/bin:ro', '/usr/lib:/opt/lib:ro']);
  });

  it('refuses a missing source, the root, home secrets, the docker socket and the gym directory, through symlinks too', () => {
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'swe-mirror-mounts-'));
    try {
      const gymDirectory = path.join(scratch, 'gym');
      const link = path.join(scratch, 'link');
      symlinkSync(path.join(os.homedir(), '.ssh'), link);
      const refused = (source: string): string => {
        try {
          checkHostMounts(toHostMounts([{ source }]), [gymDirectory], 'Gym spec x.yaml');
        } catch (error) {
          return (error as Error).message;
        }
        return 'accepted';
      };
      expect(refused(path.join(scratch, 'absent'))).toMatch(/does not exist/);
      expect(refused('/')).toMatch(/root of the host|inside/);
      expect(refused(os.homedir())).toMatch(/home directory|holds/);
      expect(refused(scratch)).toMatch(/gym's directory/);
      expect(refused(link)).not.toBe('accepted');
      expect(refused('/usr/bin')).toBe('accepted');
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('accepts a toolchain directory inside a home (a rustup toolchain), not the home itself or what holds its secrets', () => {
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'swe-mirror-mounts-home-'));
    const savedHome = process.env.HOME;
    try {
      const home = path.join(scratch, 'home');
      const toolchain = path.join(home, '.rustup', 'toolchains', 'stable-x86_64-unknown-linux-gnu');
      mkdirSync(path.join(toolchain, 'bin'), { recursive: true });
      mkdirSync(path.join(home, '.cargo'), { recursive: true });
      writeFileSync(path.join(home, '.cargo', 'credentials.toml'), '[registry]\ntoken = "canary"\n');
      process.env.HOME = home;
      const check = (source: string): string[] => checkHostMounts(toHostMounts([{ source, target: '/opt/rust' }]), [], 'test').map((mount) => mount.source);
      expect(check(toolchain)).toEqual([toolchain]);
      expect(() => check(home)).toThrow(/home directory|holds/);
      expect(() => check(path.join(home, '.cargo'))).toThrow(/credentials/);
      expect(() => check(path.join(home, '.rustup', '..', '.cargo', 'credentials.toml'))).toThrow(/credentials/);
    } finally {
      if (savedHome === undefined) delete process.env.HOME;
      else process.env.HOME = savedHome;
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

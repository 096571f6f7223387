import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_BWRAP, SKIP_REASON, SecurityScratch, leakedCanaries, probeResult, unique, type VerifyOutcome } from './support/probe-harness.js';

/**
 * Issue 8, escape probes: one hostile test suite (fixtures/probes/escape.py) run through
 * `swe-mirror verify`, trying to get out of the sandbox: capabilities, remount / read-write,
 * umount /proc to reach the host's /proc (and every process's environment), nsenter into pid 1's
 * network namespace to reach a host TCP listener, kernel knobs, new cgroups, ptrace, the keyring.
 */

const KEYCTL_CHECK = [
  'import ctypes, sys',
  'libc = ctypes.CDLL(None, use_errno=True)',
  'key = libc.syscall(250, 10, -4, b"user", sys.argv[1].encode(), 0)',
  'if key > 0: libc.syscall(250, 9, key, -4)',
  'print("found" if key > 0 else "absent")',
].join('\n');

describe.skipIf(!HAS_BWRAP)(HAS_BWRAP ? 'security: sandbox escapes' : SKIP_REASON, () => {
  let scratch: SecurityScratch;
  let outcome: VerifyOutcome;
  let result: Record<string, any>;
  const connections: string[] = [];
  let server: net.Server;
  const remountMarker = { path: '' };
  const cgroupDirectories: string[] = [];
  const keyDescription = unique('key');

  beforeAll(async () => {
    scratch = new SecurityScratch();
    remountMarker.path = path.join(scratch.outside, 'remount', 'marker.txt');
    server = net.createServer((socket) => {
      connections.push('tcp');
      socket.on('error', () => undefined);
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    if (existsSync('/sys/fs/cgroup')) {
      for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
        const full = path.join('/sys/fs/cgroup', hierarchy);
        if (statSync(full).isDirectory()) cgroupDirectories.push(path.join(full, unique('cgroup')));
      }
      cgroupDirectories.push(path.join('/sys/fs/cgroup', unique('cgroup')));
    }
    outcome = await scratch.verify('escape', {
      probe: 'escape',
      config: {
        test_state_only: true,
        remount_marker: remountMarker.path,
        tcp_port: port,
        cgroup_dirs: cgroupDirectories,
        key_description: keyDescription,
      },
    });
    result = probeResult(outcome);
    // Connections already accepted by the kernel are delivered on the next turns of the event loop.
    await new Promise((resolve) => setTimeout(resolve, 200));
  });

  afterAll(() => {
    for (const directory of cgroupDirectories) if (existsSync(directory)) rmdirSync(directory);
    server?.close();
    scratch?.remove();
  });

  it('runs the probe: the verify finished with a verdict and the probe reported', () => {
    expect(outcome.verdict, outcome.stderr).toBeDefined();
    expect(result.state).toBe('test');
  });

  it('gives the test no capabilities and no way to gain any (CapEff/CapPrm/CapBnd all zero, no_new_privs)', () => {
    expect(result.status).toMatchObject({ CapEff: '0000000000000000', CapPrm: '0000000000000000', CapBnd: '0000000000000000', NoNewPrivs: '1' });
  });

  it('cannot remount / read-write and write outside its working copy', () => {
    expect(existsSync(remountMarker.path), JSON.stringify(result.remount)).toBe(false);
    expect(result.remount.remounted ?? []).toEqual([]);
  });

  it('cannot umount /proc to see the host processes or their environments', () => {
    const view = result.umount_proc;
    expect(view.host_cli_pids ?? [], JSON.stringify(view)).toEqual([]);
    expect(view.environ_canaries ?? []).toEqual([]);
  });

  it('reaches no host TCP listener, directly or by nsenter into pid 1 or the CLI', () => {
    expect(connections).toEqual([]);
    expect(result.tcp.connected).not.toBe(true);
    for (const [target, attempt] of Object.entries(result.nsenter ?? {})) expect((attempt as { connected: boolean }).connected, `nsenter -t ${target}`).toBe(false);
  });

  it('cannot write kernel settings (core_pattern, the classic escape to a host program)', () => {
    expect(result.core_pattern_written).not.toBe(true);
  });

  it('cannot create cgroups on the host (release_agent-style escapes)', () => {
    expect(cgroupDirectories.filter((directory) => existsSync(directory))).toEqual([]);
    expect(result.cgroups_made).toEqual([]);
  });

  it('cannot ptrace the swe-mirror process (ptrace of the sandbox init is reported, not judged)', () => {
    expect(result.ptrace, JSON.stringify(result.ptrace)).toBeDefined();
    for (const [pid, attempt] of Object.entries(result.ptrace ?? {})) {
      if (pid !== '1') expect((attempt as { seized: boolean }).seized, `ptrace pid ${pid}`).toBe(false);
    }
  });

  it("cannot add a key to the host user's kernel keyring", () => {
    const check = spawnSync('python3', ['-c', KEYCTL_CHECK, keyDescription], { encoding: 'utf8' });
    expect(check.stdout.trim(), JSON.stringify(result.keyring)).toBe('absent');
  });

  it('sees /sys read-only or not at all', () => {
    expect(result.sys_readonly).toBe(true);
  });

  it('lets no canary of the caller environment reach a log, the verdict or the output', () => {
    expect(leakedCanaries(outcome.everything)).toEqual([]);
  });
});

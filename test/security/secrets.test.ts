import { existsSync, mkdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_BWRAP, SKIP_REASON, SecurityScratch, canary, leakedCanaries, preparedGymDirectory, probeResult, unique, type VerifyOutcome } from './support/probe-harness.js';

/**
 * Issue 8, secret probes (fixtures/probes/secrets.py): a test must see no secret. Canary variables
 * named like secrets and not (GH_PAT, OPENAI_KEY, DATABASE_URL, SOME_PLAIN_VAR) in the CLI's
 * environment, every process's /proc/<pid>/environ, host files (/etc/shadow, ~/.npmrc, a canary in
 * the host HOME), another gym's data, the LLM cache and store of an output directory, another
 * working copy and other tasks' logs of the same gym, host unix sockets (in /tmp, under /run, abstract).
 * Whatever the probe finds it prints; the host then looks for any canary in what came back.
 */

describe.skipIf(!HAS_BWRAP)(HAS_BWRAP ? 'security: secrets' : SKIP_REASON, () => {
  let scratch: SecurityScratch;
  let outcome: VerifyOutcome;
  let result: Record<string, any>;
  const connections: string[] = [];
  const servers: net.Server[] = [];
  const cleanup: string[] = [];
  const sockets: string[] = [];
  const abstractSocket = unique('abstract');
  const files: Record<string, string> = {};

  async function listen(address: string): Promise<void> {
    const server = net.createServer((socket) => {
      connections.push(address);
      socket.on('error', () => undefined);
      socket.destroy();
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(address, resolve));
    servers.push(server);
  }

  function plant(kind: string, file: string): void {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${canary(kind)}\n`);
    files[kind] = file;
  }

  beforeAll(async () => {
    scratch = new SecurityScratch();
    // A first, harmless verify prepares the gym, so canaries can sit next to its working copies.
    const first = await scratch.verify('prepare');
    expect(first.verdict?.valid, first.stderr).toBe(true);
    const gym = preparedGymDirectory(scratch.dataDirectory);
    const output = path.join(scratch.root, 'output');
    plant('HOMEFILE', path.join(os.homedir(), `.${unique('home-canary')}`));
    cleanup.push(files.HOMEFILE as string);
    plant('OTHERGYM', path.join(scratch.dataDirectory, 'gyms', 'other-gym-000000000000', 'repo', 'CANARY.txt'));
    plant('OTHERCOPY', path.join(gym, 'copies', '99', 'CANARY.txt'));
    plant('OTHERLOG', path.join(gym, 'logs', 'verify', 'another-task', 'CANARY.txt'));
    plant('LLMCACHE', path.join(output, 'llm-cache', 'ab', 'CANARY.json'));
    plant('STORE', path.join(output, 'store.sqlite'));
    plant('TMPFILE', path.join(os.tmpdir(), `${unique('tmp-canary')}.txt`));
    cleanup.push(files.TMPFILE as string);
    sockets.push(path.join(os.tmpdir(), `${unique('socket')}.sock`));
    if (existsSync('/run')) sockets.push(path.join('/run', `${unique('socket')}.sock`));
    for (const address of sockets) await listen(address);
    await listen(`\0${abstractSocket}`);
    outcome = await scratch.verify('secrets', {
      probe: 'secrets',
      config: {
        test_state_only: true,
        secret_files: ['/etc/shadow', path.join(os.homedir(), '.npmrc'), '/root/.npmrc', ...Object.values(files)],
        browse_roots: [scratch.dataDirectory, output],
        unix_sockets: sockets,
        abstract_socket: abstractSocket,
      },
    });
    result = probeResult(outcome);
    await new Promise((resolve) => setTimeout(resolve, 200));
  });

  afterAll(async () => {
    for (const server of servers) server.close();
    for (const file of [...cleanup, ...sockets]) if (existsSync(file)) unlinkSync(file);
    if (files.HOMEFILE) rmSync(files.HOMEFILE, { force: true });
    scratch?.remove();
  });

  it('no canary reaches a log, the verdict or the CLI output', () => {
    expect(leakedCanaries(outcome.everything)).toEqual([]);
  });

  it('the test environment is an allowlist: none of GH_PAT, OPENAI_KEY, DATABASE_URL, SOME_PLAIN_VAR, ANTHROPIC_API_KEY', () => {
    const names: string[] = result.environment.names;
    expect(names.filter((name) => name in scratch.environment)).toEqual([]);
    expect(result.environment.canaries).toEqual([]);
  });

  it('no process the test can see has a canary in /proc/<pid>/environ', () => {
    expect(result.other_environments.canaries).toEqual([]);
  });

  it('cannot read /etc/shadow or the host ~/.npmrc', () => {
    const reads = result.files as Record<string, { readable: boolean }>;
    expect(reads['/etc/shadow']?.readable, 'read /etc/shadow').not.toBe(true);
    expect(reads[path.join(os.homedir(), '.npmrc')]?.readable, 'read ~/.npmrc').not.toBe(true);
    expect(reads['/root/.npmrc']?.readable, 'read /root/.npmrc').not.toBe(true);
  });

  it.each(['HOMEFILE', 'OTHERGYM', 'OTHERCOPY', 'OTHERLOG', 'LLMCACHE', 'STORE', 'TMPFILE'])('cannot read the %s canary file', (kind) => {
    const file = files[kind] as string;
    expect(result.files[file], `${kind}: ${file}`).toMatchObject({ readable: false });
  });

  it('browsing the data directory and the output directory finds no canary', () => {
    for (const [root, found] of Object.entries(result.browse as Record<string, { canaries?: string[] }>)) {
      expect(found.canaries ?? [], root).toEqual([]);
    }
  });

  it('connects to no host unix socket (in /tmp, under /run, abstract)', () => {
    expect(connections).toEqual([]);
    for (const [address, attempt] of Object.entries(result.sockets as Record<string, { connected: boolean }>)) expect(attempt.connected, address).toBe(false);
  });

  it('has a private, empty HOME, and sees neither the host /tmp nor the scratch directory', () => {
    expect(result.environment.home).not.toBe(os.homedir());
    expect(result.home_entries).toEqual([]);
    expect(result.scratch_visible, 'scratch directories beside the data directory').toEqual([]);
    expect(result.tmp_entries, 'host /tmp entries visible').not.toContain(path.basename(files.TMPFILE as string));
  });
});

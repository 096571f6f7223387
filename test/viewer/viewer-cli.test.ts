import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { Store } from '../../src/store/store.js';
import { AuditFile, readAuditMarks } from '../../src/viewer/audit.js';
import { buildViewerStore } from './viewer-store.js';

const CLI = path.resolve('src/cli/main.ts');
const { directory, storePath } = buildViewerStore();

afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('swe-mirror view (the command)', () => {
  it('prints the URL it serves on 127.0.0.1, serves the store given as a file, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'view', storePath, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
        if (match?.[1]) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code} before serving: ${output}`)));
    });
    expect(output).toContain(`${storePath} (read-only)`);
    expect(output).toContain(path.join(directory, 'audit-labels.jsonl'));
    const response = await fetch(new URL('/tasks', url));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('py-gym__acme__widgets-1');
    const exitCode = await new Promise<number | null>((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGTERM');
    });
    expect(exitCode).toBe(0);
  });

  it('exits 2 with a hint for a directory without a store and for a bad port', () => {
    const missing = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'view', path.join(directory, 'nowhere')], { encoding: 'utf8' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('does not exist');
    const badPort = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'view', directory, '--port', 'eighty'], { encoding: 'utf8' });
    expect(badPort.status).toBe(2);
    expect(badPort.stderr).toContain('is not a port number');
  });
});

describe('Store.openReadOnly', () => {
  it('refuses an SQLite file that is not a store, and one from a newer swe-mirror', () => {
    const plain = path.join(directory, 'plain.sqlite');
    new Database(plain).exec('CREATE TABLE t (x)');
    expect(() => Store.openReadOnly(plain)).toThrow(/not a swe-mirror store/);
    const newer = path.join(directory, 'newer.sqlite');
    const database = new Database(newer);
    database.pragma('user_version = 999');
    database.close();
    expect(() => Store.openReadOnly(newer)).toThrow(/schema version 999/);
  });

  it('cannot write', () => {
    const store = Store.openReadOnly(storePath);
    try {
      expect(() => store.saveGym({ name: 'x', language: 'python', specPath: 'x', status: 'prepared' })).toThrow(/readonly/);
    } finally {
      store.close();
    }
  });
});

describe('the audit side file', () => {
  it('holds one line per task, the latest mark, sorted by instance id', async () => {
    const file = path.join(directory, 'marks.jsonl');
    const audit = new AuditFile(file);
    const base = { note: '', gym: 'g', source_repo: 'o/r', source_number: 1 };
    await Promise.all([audit.update('b-task', { ...base, label: 'high' }), audit.update('a-task', { ...base, label: 'moderate' })]);
    await audit.update('b-task', { ...base, label: 'inconsistent', note: 'wrong function' });
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => [line.instance_id, line.label])).toEqual([
      ['a-task', 'moderate'],
      ['b-task', 'inconsistent'],
    ]);
    expect(lines[1]).toMatchObject({ schema_version: 1, note: 'wrong function', gym: 'g', source_repo: 'o/r', source_number: 1 });
    await audit.update('a-task', undefined);
    expect([...(await readAuditMarks(file)).keys()]).toEqual(['b-task']);
  });

  it('reports a bad line by its number', async () => {
    const file = path.join(directory, 'bad.jsonl');
    writeFileSync(file, '{"schema_version":1,"instance_id":"x","label":"great","gym":"g","source_repo":"o/r","source_number":1,"marked_at":"t"}\n');
    await expect(readAuditMarks(file)).rejects.toThrow(/line 1/);
  });
});

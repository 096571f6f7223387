import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Shared harness of the security probes (issue 8): each probe is a hostile pytest test added by a
 * task's test.patch, run through the real `swe-mirror verify` CLI in the real sandbox; the tests
 * then look from the host side for what the probe must not have achieved.
 */

export const REPOSITORY = path.resolve(import.meta.dirname, '..', '..', '..');
export const PROBE_GYM = path.join(REPOSITORY, 'test', 'security', 'fixtures', 'probe-gym');
const PROBES = path.join(REPOSITORY, 'test', 'security', 'fixtures', 'probes');

export const HAS_BWRAP = spawnSync('bwrap', ['--version'], { stdio: 'ignore' }).status === 0;
/** Used as the describe title when bubblewrap is missing, so the skip says why. */
export const SKIP_REASON = 'SKIPPED: bubblewrap (bwrap) is not installed; the security probes need the real sandbox (CI installs it: apt-get install bubblewrap)';

/** Every canary value starts with this; none may ever show up in a log, a verdict or the CLI's output. */
export const CANARY_PREFIX = 'SWEMIRRORCANARY_';

export function canary(kind: string): string {
  return `${CANARY_PREFIX}${kind}_${randomBytes(6).toString('hex')}`;
}

export function unique(label: string): string {
  return `swe-mirror-probe-${label}-${randomBytes(4).toString('hex')}`;
}

/** Breaks probe_lib.clamp: the test state has the bug, the fix state (its inverse) does not. */
export const MIRROR_PATCH = [
  'diff --git a/probe_lib/__init__.py b/probe_lib/__init__.py',
  '--- a/probe_lib/__init__.py',
  '+++ b/probe_lib/__init__.py',
  '@@ -2,4 +2,4 @@ from probe_lib.util import double  # noqa: F401',
  ' ',
  ' ',
  ' def clamp(value, low, high):',
  '-    return max(low, min(value, high))',
  '+    return max(low, value)',
  '',
].join('\n');

/** The one honest test every task adds: fails with the bug, passes without it. */
export const HONEST_TEST = ['from probe_lib import clamp', '', '', 'def test_clamp_above():', '    assert clamp(15, 0, 10) == 10', ''].join('\n');
export const HONEST_ID = 'tests/test_probe.py::test_clamp_above';
export const BASE_IDS = ['tests/test_base.py::test_clamp_inside', 'tests/test_base.py::test_double'];

/** A git patch that adds one file. */
export function newFilePatch(file: string, content: string): string {
  const lines = content.endsWith('\n') ? content.slice(0, -1).split('\n') : content.split('\n');
  const body = lines.map((line) => `+${line}`).join('\n');
  return `diff --git a/${file} b/${file}\nnew file mode 100644\n--- /dev/null\n+++ b/${file}\n@@ -0,0 +1,${lines.length} @@\n${body}\n`;
}

/** tests/test_probe.py: the honest test, then the prelude and the named probe with its config. */
export function probeTestFile(probe: string | undefined, config: Record<string, unknown> = {}): string {
  if (probe === undefined) return HONEST_TEST;
  const prelude = readFileSync(path.join(PROBES, 'prelude.py'), 'utf8').replace('__PROBE_CONFIG__', JSON.stringify({ probe, ...config }));
  return `${HONEST_TEST}${prelude}${readFileSync(path.join(PROBES, `${probe}.py`), 'utf8')}`;
}

export interface RunSummary {
  state: string;
  repeat: number;
  exitCode: number | null;
  timedOut: boolean;
  outOfMemory: boolean;
  hasEvidence: boolean;
  logPath?: string;
  [key: string]: unknown;
}

export interface Verdict {
  valid: boolean;
  reasons: Array<{ rule: string; message: string; tests: string[] }>;
  FAIL_TO_PASS: string[];
  PASS_TO_PASS: string[];
  tests: Record<string, Record<string, string>>;
  runs: RunSummary[];
  logDirectory: string;
  [key: string]: unknown;
}

export interface VerifyOutcome {
  status: number | null;
  stdout: string;
  stderr: string;
  verdict?: Verdict;
  /** Log file name → content, for every file in the verdict's log directory. */
  logs: Record<string, string>;
  /** PROBE-RESULT objects by state (test, fix). */
  results: Record<string, Record<string, any>>;
  gymDirectory?: string;
  /** stdout + stderr + verdict.json + every log: what the host got back from the run. */
  everything: string;
}

export interface VerifyRequest {
  probe?: string;
  config?: Record<string, unknown>;
  /** Spec file name inside the probe gym; default gym.yaml. */
  spec?: string;
  /** Extra environment of the CLI (on top of the scratch's canary environment). */
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** One scratch area per test file: a fresh data directory, marker and canary places, task directories. */
export class SecurityScratch {
  readonly root = mkdtempSync(path.join(os.tmpdir(), 'swe-mirror-security-'));
  readonly dataDirectory = path.join(this.root, 'data');
  readonly outside = path.join(this.root, 'outside');
  readonly markers = path.join(this.root, 'markers');
  /** Canary environment of every CLI run: names that look like secrets and names that do not. */
  readonly environment: Record<string, string> = {
    GH_PAT: canary('GHPAT'),
    OPENAI_KEY: canary('OPENAIKEY'),
    DATABASE_URL: `postgres://admin:${canary('DBURL')}@db.internal/prod`,
    SOME_PLAIN_VAR: canary('PLAINVAR'),
    ANTHROPIC_API_KEY: canary('ANTHROPICAPIKEY'),
  };
  private tasks = 0;

  constructor() {
    mkdirSync(this.outside, { recursive: true });
    mkdirSync(this.markers, { recursive: true });
  }

  /** Write a task (mirror.patch + test.patch), run `swe-mirror verify --runs 1` on it, collect what came back. */
  async verify(name: string, request: VerifyRequest = {}): Promise<VerifyOutcome> {
    this.tasks += 1;
    const task = path.join(this.root, 'tasks', `${String(this.tasks).padStart(2, '0')}-${name}`);
    mkdirSync(task, { recursive: true });
    const config = { host_marker: task, scratch: this.root, ...request.config };
    writeFileSync(path.join(task, 'mirror.patch'), MIRROR_PATCH);
    writeFileSync(path.join(task, 'test.patch'), newFilePatch('tests/test_probe.py', probeTestFile(request.probe, config)));
    const spec = path.join(PROBE_GYM, request.spec ?? 'gym.yaml');
    const args = ['verify', '--gym', spec, '--task', task, '--data-dir', this.dataDirectory, '--runs', '1'];
    const { status, stdout, stderr } = await runCli(args, { ...this.environment, ...request.env }, request.timeoutMs ?? 280_000);
    const verdictPath = path.join(task, 'verdict.json');
    const verdictText = existsSync(verdictPath) ? readFileSync(verdictPath, 'utf8') : '';
    const verdict = verdictText ? (JSON.parse(verdictText) as Verdict) : undefined;
    const logs: Record<string, string> = {};
    if (verdict?.logDirectory && existsSync(verdict.logDirectory)) {
      for (const file of readdirSync(verdict.logDirectory)) {
        const full = path.join(verdict.logDirectory, file);
        if (statSync(full).isFile()) logs[file] = readFileSync(full, 'utf8');
      }
    }
    const results: VerifyOutcome['results'] = {};
    for (const content of Object.values(logs)) {
      for (const line of content.split('\n')) {
        if (!line.startsWith('PROBE-RESULT ')) continue;
        const result = JSON.parse(line.slice('PROBE-RESULT '.length)) as Record<string, any>;
        results[String(result.state)] = result;
      }
    }
    const gymDirectory = verdict?.logDirectory ? path.resolve(verdict.logDirectory, '..', '..', '..') : undefined;
    const everything = [stdout, stderr, verdictText, ...Object.values(logs)].join('\n');
    return { status, stdout, stderr, ...(verdict ? { verdict } : {}), logs, results, ...(gymDirectory ? { gymDirectory } : {}), everything };
  }

  /** Removed afterwards unless SWE_MIRROR_SECURITY_KEEP=1 (to read the probes' logs). */
  remove(): void {
    if (process.env.SWE_MIRROR_SECURITY_KEEP === '1') return void process.stderr.write(`kept ${this.root}\n`);
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Run the real CLI asynchronously (the test's own servers keep accepting meanwhile). */
export function runCli(args: string[], env: Record<string, string>, timeoutMs: number): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPOSITORY, 'src', 'cli', 'main.ts'), ...args], {
      cwd: REPOSITORY,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** The probe's report for a state; fails the test when the probe did not run (no evidence is not safety). */
export function probeResult(outcome: VerifyOutcome, state = 'test'): Record<string, any> {
  const result = outcome.results[state];
  if (result === undefined) {
    throw new Error(`the probe printed no PROBE-RESULT in the ${state} state (exit ${outcome.status}).\nstdout:\n${outcome.stdout}\nstderr:\n${outcome.stderr.slice(-3000)}\nlogs:\n${Object.entries(outcome.logs).map(([name, text]) => `--- ${name}\n${text.slice(-3000)}`).join('\n')}`);
  }
  return result;
}

/** The canary kinds (GHPAT, OPENAIKEY...) that reached anything the host got back from a run. */
export function leakedCanaries(text: string): string[] {
  return [...new Set([...text.matchAll(/SWEMIRRORCANARY_([A-Z]+)_/g)].map((match) => match[1] ?? ''))].sort();
}

/** The suite run of one state in the verdict. */
export function runOf(outcome: VerifyOutcome, state: string): RunSummary {
  const run = outcome.verdict?.runs.find((candidate) => candidate.state === state);
  if (!run) throw new Error(`no ${state} run in the verdict (exit ${outcome.status}):\n${outcome.stdout}\n${outcome.stderr.slice(-3000)}`);
  return run;
}

/** Every file path under a directory (no symlink following), for host-side searches of planted files. */
export function walkFiles(root: string): string[] {
  const found: string[] = [];
  const visit = (directory: string): void => {
    let entries;
    try {
      entries = readdirSync(directory, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(directory, entry.name);
      found.push(full);
      if (entry.isDirectory()) visit(full);
    }
  };
  visit(root);
  return found;
}

/** Pids of host processes whose command line contains `token`. */
export function processesWith(token: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`).includes(token)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** The prepared gym's directory under a data directory (after a first verify or prepare). */
export function preparedGymDirectory(dataDirectory: string, name = 'probe-gym'): string {
  const gyms = path.join(dataDirectory, 'gyms');
  const match = readdirSync(gyms).find((entry) => new RegExp(`^${name}-[0-9a-f]{12}$`).test(entry));
  if (!match) throw new Error(`no prepared ${name} under ${gyms}: ${readdirSync(gyms).join(', ')}`);
  return path.join(gyms, match);
}

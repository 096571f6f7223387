// Store operations at scale: 100,000 candidates inserted through Store.addCandidates, a share moved through the
// LLM filter and mirroring (with tasks), then the funnel, task listing and stage queries timed.
// Run with: node --import tsx bench/store-scale.ts [candidate count]
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RECORD_SCHEMA_VERSION, type FilterVerdict, type SourcePR, type Task } from '../src/core/records.js';
import { readFunnel } from '../src/store/funnel.js';
import { Store, type CandidateStage } from '../src/store/store.js';
import { recordFigure } from './support/figures.js';

const CANDIDATES = Number(process.argv[2] ?? 100_000);
const BATCH = 1_000;
const GYMS = ['py-requests', 'js-express', 'go-router', 'rs-calc'];
const QUERY_REPEATS = 7;
/** Shares of the funnel, roughly the paper's: most candidates are dropped early. */
const RULE_DROP_EVERY = 3;
const LLM_KEEP_EVERY = 4;
const VERIFIED_EVERY = 3;

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Wall time, and this process's CPU time: on a shared, loaded machine the CPU figure is the steadier one. */
function time<T>(action: () => T): { value: T; milliseconds: number; cpuMilliseconds: number } {
  const startedAt = performance.now();
  const cpuAtStart = process.cpuUsage();
  const value = action();
  const cpu = process.cpuUsage(cpuAtStart);
  return { value, milliseconds: performance.now() - startedAt, cpuMilliseconds: (cpu.user + cpu.system) / 1_000 };
}

function timeRepeated<T>(action: () => T): { value: T; milliseconds: number; cpuMilliseconds: number } {
  const wall: number[] = [];
  const cpu: number[] = [];
  let value = action();
  for (let repeat = 0; repeat < QUERY_REPEATS; repeat += 1) {
    const result = time(action);
    value = result.value;
    wall.push(result.milliseconds);
    cpu.push(result.cpuMilliseconds);
  }
  return { value, milliseconds: median(wall), cpuMilliseconds: median(cpu) };
}

function cpuNote(timing: { cpuMilliseconds: number }): string {
  return `[cpu ${timing.cpuMilliseconds.toFixed(timing.cpuMilliseconds < 10 ? 2 : 0)} ms]`;
}

/** A PR record of realistic size: title, body, one linked issue and a diff of a few KB. */
function makeSource(index: number): SourcePR {
  const repo = `owner-${index % 500}/project-${index % 2_000}`;
  const diffLines = Array.from({ length: 40 }, (_, line) => `-    value_${line} = compute(${line}, ${index})\n+    value_${line} = compute(${line}, ${index} + 1)`);
  return {
    schemaVersion: RECORD_SCHEMA_VERSION,
    repo,
    number: index,
    title: `Fix edge case ${index} in the parser`,
    body: 'When the input is empty the parser crashes instead of returning an empty result. '.repeat(4),
    issues: [{ number: index + 1_000_000, title: `Crash on empty input (${index})`, body: 'Steps to reproduce: call parse("").'.repeat(3) }],
    diff: `diff --git a/src/parser.py b/src/parser.py\n--- a/src/parser.py\n+++ b/src/parser.py\n@@ -1,40 +1,40 @@\n${diffLines.join('\n')}\n`,
    mergedAt: '2024-01-01T00:00:00Z',
    url: `https://github.com/${repo}/pull/${index}`,
    origin: 'github',
  };
}

function ruleVerdict(index: number): FilterVerdict {
  return index % RULE_DROP_EVERY === 0 ? { kept: false, reason: index % 2 ? 'docs-only' : 'too-many-files', detail: '14 code files changed (max 10)' } : { kept: true, reason: 'ok' };
}

function makeTask(candidateId: number, gym: string): Task {
  const patch = `diff --git a/src/core.py b/src/core.py\n--- a/src/core.py\n+++ b/src/core.py\n@@ -10,3 +10,3 @@\n def f(x):\n-    return x + ${candidateId}\n+    return x - ${candidateId}\n \n`;
  const tests = Object.fromEntries(
    Array.from({ length: 50 }, (_, test) => [`tests/test_core.py::test_${test}`, { run: 'PASSED', test: 'PASSED', fix: 'PASSED' } as const]),
  );
  return {
    schemaVersion: RECORD_SCHEMA_VERSION,
    instanceId: `${gym}__mirror-${candidateId}`,
    gym,
    language: 'python',
    repo: `swe-mirror/${gym}`,
    baseCommit: '0'.repeat(40),
    mirrorPatch: patch,
    testPatch: patch.replaceAll('src/core.py', 'tests/test_core.py'),
    fixPatch: patch,
    problemStatement: 'Calling f with a negative number returns the wrong sign. '.repeat(10),
    FAIL_TO_PASS: [`tests/test_core.py::test_new_${candidateId}`],
    PASS_TO_PASS: Object.keys(tests),
    tests,
    source: { repo: 'owner/project', number: candidateId, url: `https://github.com/owner/project/pull/${candidateId}`, issues: [candidateId + 1] },
    model: 'bench-model',
    costUsd: 0.02,
    createdAt: new Date(Date.UTC(2024, 0, 1) + candidateId * 1_000).toISOString(),
  };
}

function formatRate(count: number, milliseconds: number): string {
  return `${Math.round((count / milliseconds) * 1_000).toLocaleString('en-US')}/s`;
}

function report(label: string, value: string): void {
  process.stdout.write(`${label.padEnd(52)} ${value}\n`);
}

const directory = process.env.SWE_MIRROR_BENCH_KEEP ?? (await mkdtemp(path.join(tmpdir(), 'swe-mirror-bench-store-')));
const file = path.join(directory, 'store.sqlite');
const store = Store.open(file);
try {
  process.stdout.write(`store scale: ${CANDIDATES.toLocaleString('en-US')} candidates over ${GYMS.length} gyms, schema version ${store.schemaVersion()}\n`);

  // Insert: batches of BATCH, as the collector adds them.
  let inserted = 0;
  const insert = time(() => {
    for (let start = 0; start < CANDIDATES; start += BATCH) {
      const gym = GYMS[(start / BATCH) % GYMS.length] as string;
      const items = Array.from({ length: Math.min(BATCH, CANDIDATES - start) }, (_, offset) => {
        const index = start + offset;
        return { source: makeSource(index), ruleVerdict: ruleVerdict(index) };
      });
      inserted += store.addCandidates(gym, items);
    }
  });
  recordFigure(import.meta.filename, { measure: `addCandidates, ${CANDIDATES.toLocaleString('en-US')} candidates`, value: formatRate(inserted, insert.milliseconds) });
  report(`addCandidates (batches of ${BATCH})`, `${inserted.toLocaleString('en-US')} in ${(insert.milliseconds / 1_000).toFixed(2)} s = ${formatRate(inserted, insert.milliseconds)} ${cpuNote(insert)}`);
  const again = time(() => store.addCandidates(GYMS[0] as string, [makeSource(0), makeSource(4)].map((source) => ({ source, ruleVerdict: ruleVerdict(1) }))));
  report('addCandidates again (idempotent, 2 present)', `${again.value} added, ${again.milliseconds.toFixed(2)} ms`);

  // LLM filter: every pending candidate gets a verdict and a model call record.
  const pendingFilter = time(() => store.candidatesAt('pending-llm-filter'));
  report('candidatesAt(pending-llm-filter)', `${pendingFilter.value.length.toLocaleString('en-US')} rows in ${pendingFilter.milliseconds.toFixed(0)} ms ${cpuNote(pendingFilter)}`);
  const filter = time(() => {
    for (const [position, candidate] of pendingFilter.value.entries()) {
      const kept = position % LLM_KEEP_EVERY === 0;
      store.recordModelCall({ candidateId: candidate.id, step: 'filter', model: 'bench-model', requestHash: `h${candidate.id}`, inputTokens: 1_200, outputTokens: 80, costUsd: 0.001, latencyMs: 900, cached: false });
      store.saveLlmVerdict(candidate.id, kept ? { kept: true, reason: 'mirrorable' } : { kept: false, reason: 'gym lacks the functionality', rule: position % 2 ? 'not-mirrorable' : 'not-a-bug-fix' });
    }
  });
  report('saveLlmVerdict + recordModelCall', `${pendingFilter.value.length.toLocaleString('en-US')} in ${(filter.milliseconds / 1_000).toFixed(2)} s = ${formatRate(pendingFilter.value.length, filter.milliseconds)} ${cpuNote(filter)}`);

  // Mirroring: every pending-mirror candidate gets an outcome; a share become verified tasks.
  const pendingMirror = time(() => store.candidatesAt('pending-mirror'));
  let tasks = 0;
  const losses: CandidateStage[] = ['mirror-failed', 'rejected-by-verifier'];
  const mirror = time(() => {
    for (const [position, candidate] of pendingMirror.value.entries()) {
      const isVerified = position % VERIFIED_EVERY === 0;
      const attempt = { steps: ['distill', 'test', 'mirror', 'verify'], retries: position % 3, errors: [] };
      if (isVerified) {
        store.saveMirrorOutcome(candidate.id, { stage: 'verified', attempt, costUsd: 0.02, task: makeTask(candidate.id, candidate.gym) });
        tasks += 1;
      } else {
        const stage = losses[position % losses.length] as CandidateStage;
        store.saveMirrorOutcome(candidate.id, { stage, lossRule: stage === 'mirror-failed' ? 'patch-does-not-apply' : 'fix-fixes', lossReason: 'no test went FAILED→PASSED', attempt, costUsd: 0.01 });
      }
    }
  });
  report('saveMirrorOutcome', `${pendingMirror.value.length.toLocaleString('en-US')} (${tasks.toLocaleString('en-US')} tasks) in ${(mirror.milliseconds / 1_000).toFixed(2)} s = ${formatRate(pendingMirror.value.length, mirror.milliseconds)} ${cpuNote(mirror)}`);

  // Queries a user waits on: status (funnel), export and dedup (task lists), resumption (stage lists).
  const funnel = timeRepeated(() => readFunnel(store));
  recordFigure(import.meta.filename, { measure: 'readFunnel (median)', value: `${funnel.milliseconds.toFixed(1)} ms` });
  report('readFunnel (median)', `${funnel.milliseconds.toFixed(1)} ms (${funnel.value.candidates.toLocaleString('en-US')} candidates, ${funnel.value.tasks} tasks, ${funnel.value.topLosses.length} loss reasons) ${cpuNote(funnel)}`);
  const allTasks = timeRepeated(() => store.listTasks());
  recordFigure(import.meta.filename, { measure: `listTasks, ${allTasks.value.length.toLocaleString('en-US')} tasks (median)`, value: `${allTasks.milliseconds.toFixed(1)} ms` });
  report('listTasks (median)', `${allTasks.milliseconds.toFixed(1)} ms (${allTasks.value.length.toLocaleString('en-US')} tasks) ${cpuNote(allTasks)}`);
  const gymTasks = timeRepeated(() => store.listTasks({ gym: GYMS[1] as string }));
  report('listTasks({ gym }) (median)', `${gymTasks.milliseconds.toFixed(1)} ms (${gymTasks.value.length.toLocaleString('en-US')} tasks) ${cpuNote(gymTasks)}`);
  const gymPending = timeRepeated(() => store.candidatesAt('dropped-by-rules', GYMS[2] as string));
  report('candidatesAt(dropped-by-rules, gym) (median)', `${gymPending.milliseconds.toFixed(1)} ms (${gymPending.value.length.toLocaleString('en-US')} rows) ${cpuNote(gymPending)}`);
  const lookup = timeRepeated(() => store.hasCandidate(GYMS[3] as string, 'owner-7/project-7', 7));
  report('hasCandidate (median)', `${(lookup.milliseconds * 1_000).toFixed(0)} µs`);

  // The same queries without the indexes schema version 2 added, to show what they buy.
  store.database.exec('DROP INDEX candidates_gym_stage; DROP INDEX candidates_losses; DROP INDEX tasks_listing;');
  const funnelBefore = timeRepeated(() => readFunnel(store));
  report('readFunnel without the v2 indexes (median)', `${funnelBefore.milliseconds.toFixed(1)} ms ${cpuNote(funnelBefore)}`);
  const allTasksBefore = timeRepeated(() => store.listTasks());
  report('listTasks without the v2 indexes (median)', `${allTasksBefore.milliseconds.toFixed(1)} ms ${cpuNote(allTasksBefore)}`);
  report('store file size', `${((await stat(file)).size / 1024 / 1024).toFixed(1)} MiB (+ WAL)`);
} finally {
  store.close();
  if (!process.env.SWE_MIRROR_BENCH_KEEP) await rm(directory, { recursive: true, force: true });
}

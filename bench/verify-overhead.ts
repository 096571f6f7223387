/**
 * Verify overhead: wall time of `verifyTask` (N suite runs: run 1 + test 3 + fix 3 by default) divided by
 * the wall time of N bare `runSuite` calls on the same gym. Target ≤ 1.10.
 *
 *   node --import tsx bench/verify-overhead.ts [gym.yaml] [--rounds 2]
 *
 * Default gym: test/fixtures/gyms/python-pytest/gym.yaml with its tasks/valid task; without it, a small
 * generated pytest gym. Prepared gyms are cached under $TMPDIR/swe-mirror-bench-data.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadGymSpec } from '../src/config/load-gym-spec.js';
import { prepareGym } from '../src/gym/prepare.js';
import { runSuite } from '../src/gym/run-suite.js';
import { createLocalRuntime } from '../src/runtime/local.js';
import { verifyTask } from '../src/verify/verify-task.js';

/** Full repeats, no targeted reruns: every verify run is a full suite run, so the ratio is orchestration overhead (bench/verify-cost.ts measures the default). */
const REPEATS = { run: 1, test: 3, fix: 3 };
import { recordFigure } from './support/figures.js';

const DEFAULT_SPEC = path.resolve(import.meta.dirname, '..', 'test', 'fixtures', 'gyms', 'python-pytest', 'gym.yaml');
const TARGET = 1.1;

interface BenchTask {
  specPath: string;
  patches: { mirror: string; test: string; fix?: string };
  cleanup: () => void;
}

function parseArguments(): { specPath: string | undefined; rounds: number } {
  const args = process.argv.slice(2);
  const roundsAt = args.indexOf('--rounds');
  const rounds = roundsAt >= 0 ? Number(args[roundsAt + 1]) : 2;
  const specPath = args.find((arg, index) => !arg.startsWith('--') && index !== roundsAt + 1);
  return { specPath, rounds: Number.isInteger(rounds) && rounds > 0 ? rounds : 2 };
}

/** The spec's own tasks/valid, when it has one. */
function taskBesideSpec(specPath: string): BenchTask | undefined {
  const taskDirectory = path.join(path.dirname(specPath), 'tasks', 'valid');
  if (!existsSync(path.join(taskDirectory, 'mirror.patch'))) return undefined;
  const read = (name: string): string | undefined =>
    existsSync(path.join(taskDirectory, name)) ? readFileSync(path.join(taskDirectory, name), 'utf8') : undefined;
  const fix = read('fix.patch');
  return {
    specPath,
    patches: { mirror: read('mirror.patch') as string, test: read('test.patch') as string, ...(fix === undefined ? {} : { fix }) },
    cleanup: () => undefined,
  };
}

/** A generated pytest gym (20 test modules) and a task that breaks one function. */
function generatedTask(): BenchTask {
  const root = mkdtempSync(path.join(os.tmpdir(), 'swe-mirror-bench-gym-'));
  const write = (file: string, content: string): void => {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), content);
  };
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: root, encoding: 'utf8' });
  write('gym.yaml', 'name: bench-calc\nlanguage: python\nrepo: .\ntest:\n  command: python -m pytest -rA -p no:cacheprovider\n  report:\n    format: pytest-ra\ntestFiles:\n  - "tests/**"\n');
  write('calc/__init__.py', 'def clamp(value, low, high):\n    return max(low, min(value, high))\n');
  for (let index = 0; index < 20; index++) {
    write(`tests/test_module_${index}.py`, Array.from({ length: 10 }, (_, test) => `def test_${test}():\n    assert ${test} + ${index} == ${test + index}\n`).join('\n\n'));
  }
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'commit', '-q', '-m', 'initial');
  const diffAfter = (file: string, content: string): string => {
    write(file, content);
    git('add', '-A');
    const patch = git('diff', '--cached');
    git('reset', '-q', '--hard');
    git('clean', '-qfd');
    return patch;
  };
  const mirror = diffAfter('calc/__init__.py', 'def clamp(value, low, high):\n    return max(low, value)\n');
  const test = diffAfter('tests/test_clamp.py', 'from calc import clamp\n\n\ndef test_clamp_above():\n    assert clamp(15, 0, 10) == 10\n');
  return { specPath: path.join(root, 'gym.yaml'), patches: { mirror, test }, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

async function main(): Promise<void> {
  const { specPath, rounds } = parseArguments();
  const chosen = specPath ? path.resolve(specPath) : existsSync(DEFAULT_SPEC) ? DEFAULT_SPEC : undefined;
  const task = (chosen ? taskBesideSpec(chosen) : undefined) ?? generatedTask();
  if (chosen && task.specPath !== chosen) console.log(`(no tasks/valid beside ${chosen}: using a generated gym)`);
  const runtime = createLocalRuntime();
  const dataDirectory = path.join(os.tmpdir(), 'swe-mirror-bench-data');
  const gym = await prepareGym(await loadGymSpec(task.specPath), { dataDirectory, runtime });
  const suiteRuns = REPEATS.run + REPEATS.test + REPEATS.fix;
  console.log(`gym ${gym.spec.name}: ${Object.keys(gym.baseline.tests).length} tests; verify = ${suiteRuns} suite runs; ${rounds} round(s)`);

  await runSuite(gym, { runtime }); // warm-up: file caches, interpreter
  let bareMs = 0;
  let verifyMs = 0;
  // Time verify spends outside suite runs (resets, patches, sanity, judging): its own overhead, free of suite-time noise.
  let suitesInsideVerifyMs = 0;
  for (let round = 1; round <= rounds; round++) {
    // Alternate which goes first so drifting machine load does not favour one side.
    const measureBare = async (): Promise<number> => {
      const start = performance.now();
      for (let index = 0; index < suiteRuns; index++) await runSuite(gym, { runtime });
      return performance.now() - start;
    };
    const measureVerify = async (): Promise<number> => {
      const start = performance.now();
      const verdict = await verifyTask(gym, task.patches, {
        runtime,
        repeats: REPEATS,
        reruns: 0,
        runSuite: async (preparedGym, options) => {
          const suiteStart = performance.now();
          const suite = await runSuite(preparedGym, options);
          suitesInsideVerifyMs += performance.now() - suiteStart;
          return suite;
        },
      });
      const elapsed = performance.now() - start;
      if (!verdict.valid) console.log(`  note: the task is not valid here (${verdict.reasons.map((reason) => reason.rule).join(', ')}); timing still counts`);
      return elapsed;
    };
    const [first, second] = round % 2 === 1 ? [measureBare, measureVerify] : [measureVerify, measureBare];
    const firstMs = await first();
    const secondMs = await second();
    const [roundBare, roundVerify] = round % 2 === 1 ? [firstMs, secondMs] : [secondMs, firstMs];
    bareMs += roundBare;
    verifyMs += roundVerify;
    console.log(`round ${round}: bare ${(roundBare / 1000).toFixed(2)} s, verify ${(roundVerify / 1000).toFixed(2)} s, ratio ${(roundVerify / roundBare).toFixed(3)}`);
  }
  const ratio = verifyMs / bareMs;
  console.log(`verify overhead: ${(verifyMs / 1000).toFixed(2)} s / ${(bareMs / 1000).toFixed(2)} s = ${ratio.toFixed(3)} (target ≤ ${TARGET.toFixed(2)}) ${ratio <= TARGET ? 'OK' : 'ABOVE TARGET'}`);
  const orchestrationMs = verifyMs - suitesInsideVerifyMs;
  recordFigure(import.meta.filename, { measure: `verifyTask ÷ ${suiteRuns} bare suite runs (wall)`, value: ratio.toFixed(3), target: `≤ ${TARGET.toFixed(2)}`, isMet: ratio <= TARGET });
  recordFigure(import.meta.filename, { measure: 'same ratio, from orchestration time alone', value: (1 + orchestrationMs / bareMs).toFixed(3), target: `≤ ${TARGET.toFixed(2)}`, isMet: 1 + orchestrationMs / bareMs <= TARGET });
  console.log(`per suite run: bare ${(bareMs / rounds / suiteRuns).toFixed(0)} ms, inside verify ${(verifyMs / rounds / suiteRuns).toFixed(0)} ms`);
  console.log(
    `verify orchestration (resets, patches, sanity, judging): ${(orchestrationMs / rounds).toFixed(0)} ms per verify = ${((orchestrationMs / rounds / suiteRuns)).toFixed(0)} ms per suite run; ` +
      `ratio from it: ${(1 + orchestrationMs / bareMs).toFixed(3)} (less noisy than the wall ratio on a busy machine)`,
  );
  task.cleanup();
}

await main();

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadGymSpec } from '../../src/config/load-gym-spec.js';
import { SweMirrorError } from '../../src/core/errors.js';
import type { ChatRequest } from '../../src/core/model.js';
import { RECORD_SCHEMA_VERSION, type SourcePR } from '../../src/core/records.js';
import { prepareGym } from '../../src/gym/prepare.js';
import type { PreparedGym } from '../../src/gym/types.js';
import { beforeAll } from 'vitest';
import { mirrorCandidate } from '../../src/mirror/mirror-candidate.js';
import type { MirrorEvent, MirrorStep } from '../../src/mirror/types.js';
import { createLocalRuntime } from '../../src/runtime/local.js';
import { createScriptedModel } from '../../src/testing/scripted-model.js';

export const FIXTURE_GYMS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'gyms');

/** Prepare a fixture gym in a fresh data directory outside any `test` path (one baseline run: these fixtures are not flaky). */
export async function prepareFixtureGym(name: string, dataDirectory?: string): Promise<PreparedGym> {
  const loaded = await loadGymSpec(path.join(FIXTURE_GYMS, name, 'gym.yaml'));
  const directory = dataDirectory ?? (await mkdtemp(path.join(tmpdir(), 'swe-mirror-mirror-data-')));
  return prepareGym(loaded, { dataDirectory: directory, runtime: createLocalRuntime(), baselineRuns: 1 });
}

export type StepAnswer = string | ((request: ChatRequest) => string);

/**
 * A scripted model's answers by step: each step's list is consumed in order, so a list of two answers
 * scripts one retry. Asking a step for more answers than scripted fails the test loudly.
 */
export function answersByStep(answers: Partial<Record<MirrorStep, StepAnswer[]>>): (request: ChatRequest) => string {
  const used = new Map<string, number>();
  return (request) => {
    const step = (request.step ?? 'unnamed') as MirrorStep;
    const index = used.get(step) ?? 0;
    used.set(step, index + 1);
    const answer = answers[step]?.[index];
    if (answer === undefined) {
      throw new SweMirrorError({ code: 'TEST_SCRIPT_EXHAUSTED', kind: 'internal', message: `No scripted answer ${index + 1} for step ${step}.` });
    }
    return typeof answer === 'function' ? answer(request) : answer;
  };
}

/** The text of the last message of a request (where retry feedback goes). */
export function lastMessage(request: ChatRequest | undefined): string {
  return request?.messages[request.messages.length - 1]?.content ?? '';
}

export function block(file: string, search: string[], replace: string[]): string {
  return [file, '<<<<<<< SEARCH', ...search, '=======', ...replace, '>>>>>>> REPLACE'].join('\n');
}

export const DISTILLED_PATTERN = [
  '## Issue type',
  'Bug: incorrect ordering.',
  '## Core problem',
  'Numeric parts of pre-release labels are compared as text, so 10 sorts before 9.',
  '## Technical context',
  'Version precedence when two versions differ only in their pre-release identifiers.',
  '## Symptoms',
  'Sorting release candidates gives rc.1, rc.10, rc.2 instead of numeric order.',
  '## Root cause',
  'Identifiers made of digits are compared lexically instead of numerically.',
  '## Impact scope',
  'Only pre-release comparisons with multi-digit numeric identifiers.',
].join('\n');

/** A source PR from an imagined analogous project. */
export const SOURCE_PR: SourcePR = {
  schemaVersion: RECORD_SCHEMA_VERSION,
  repo: 'example/versionkit',
  number: 412,
  title: 'Compare numeric pre-release identifiers numerically',
  body: 'Fixes #401.',
  issues: [{ number: 401, title: 'rc.10 sorts before rc.9', body: 'Sorting versions puts 1.0.0-rc.10 before 1.0.0-rc.9.' }],
  diff: [
    'diff --git a/versionkit/compare.py b/versionkit/compare.py',
    '--- a/versionkit/compare.py',
    '+++ b/versionkit/compare.py',
    '@@ -1,2 +1,2 @@',
    ' def cmp_ids(a, b):',
    '-    return (str(a) > str(b)) - (str(a) < str(b))',
    '+    return (a > b) - (a < b)',
    '',
  ].join('\n'),
  mergedAt: '2024-03-01T00:00:00Z',
  url: 'https://github.com/example/versionkit/pull/412',
  origin: 'jsonl',
};

/** Scripted answers reproducing the python-pytest fixture's valid task. */
export const PYTHON = {
  testLocalize: '```json\n{"source_files": ["semver_lite/version.py"], "test_files": ["tests/test_version.py"]}\n```',
  testGenerate: block(
    'tests/test_version.py',
    ['    assert str(parse("1.2.4-beta").bump_prerelease()) == "1.2.4-beta.0"'],
    [
      '    assert str(parse("1.2.4-beta").bump_prerelease()) == "1.2.4-beta.0"',
      '',
      '',
      'def test_prerelease_numeric_identifiers_compare_numerically():',
      '    assert parse("1.0.0-beta.2") < parse("1.0.0-beta.11")',
      '    assert parse("1.0.0-rc.10") > parse("1.0.0-rc.9")',
      '',
      '',
      'def test_sorting_release_candidates():',
      '    candidates = [parse(f"2.0.0-rc.{number}") for number in (12, 3, 1, 20, 2)]',
      '    assert [str(version) for version in sorted(candidates)] == [',
      '        "2.0.0-rc.1",',
      '        "2.0.0-rc.2",',
      '        "2.0.0-rc.3",',
      '        "2.0.0-rc.12",',
      '        "2.0.0-rc.20",',
      '    ]',
    ],
  ),
  /** Asserts the buggy behaviour: fails on the clean code. */
  testGenerateWrong: block(
    'tests/test_version.py',
    ['    assert str(parse("1.2.4-beta").bump_prerelease()) == "1.2.4-beta.0"'],
    [
      '    assert str(parse("1.2.4-beta").bump_prerelease()) == "1.2.4-beta.0"',
      '',
      '',
      'def test_prerelease_numeric_identifiers_compare_numerically():',
      '    assert parse("1.0.0-rc.10") < parse("1.0.0-rc.9")',
    ],
  ),
  mirrorLocalize: '{"source_files": ["semver_lite/version.py"]}',
  mirrorGenerate: block(
    'semver_lite/version.py',
    [
      '    if isinstance(left, int) and isinstance(right, int):',
      '        return (left > right) - (left < right)',
      '    if isinstance(left, int):',
      '        return -1',
      '    if isinstance(right, int):',
      '        return 1',
      '    return (left > right) - (left < right)',
    ],
    [
      '    if isinstance(left, int) and not isinstance(right, int):',
      '        return -1',
      '    if isinstance(right, int) and not isinstance(left, int):',
      '        return 1',
      '    return (str(left) > str(right)) - (str(left) < str(right))  # compare as text',
    ],
  ),
  /** Changes nothing the new tests see. */
  mirrorGenerateHarmless: block(
    'semver_lite/version.py',
    ['    if isinstance(right, int):', '        return 1'],
    ['    if isinstance(right, int) and not isinstance(left, int):', '        return 1'],
  ),
  /** Does not parse. */
  mirrorGenerateBroken: block(
    'semver_lite/version.py',
    ['    if isinstance(right, int):', '        return 1'],
    ['    if isinstance(right, int)', '        return 1'],
  ),
  statement: [
    '# Pre-release versions with numbers of two digits sort in the wrong order',
    '',
    'Sorting `parse("2.0.0-rc.10")` and `parse("2.0.0-rc.9")` puts rc.10 first.',
    'I expected rc.9 < rc.10, as the semantic versioning rules say numeric identifiers compare numerically.',
  ].join('\n'),
  statementLeaking: [
    '# Sorting is broken',
    '',
    'test_sorting_release_candidates fails. Use `if isinstance(left, int) and isinstance(right, int):` to fix it.',
  ].join('\n'),
};

/** Every step answered right the first time, on the python-pytest gym. */
export const PYTHON_HAPPY_ANSWERS: Record<Exclude<MirrorStep, 'verify'>, StepAnswer[]> = {
  distill: [DISTILLED_PATTERN],
  'test-localize': [PYTHON.testLocalize],
  'test-generate': [PYTHON.testGenerate],
  'mirror-localize': [PYTHON.mirrorLocalize],
  'mirror-generate': [PYTHON.mirrorGenerate],
  statement: [PYTHON.statement],
};

/** The requests a scripted model got for one step. */
export function requestsFor(model: ReturnType<typeof createScriptedModel>, step: MirrorStep): ChatRequest[] {
  return model.calls.filter((call) => call.step === step);
}

/**
 * Prepare the python-pytest gym once for a test file (in its beforeAll) and mirror SOURCE_PR into it with
 * the happy answers, overridden per step; verification runs each state once.
 */
export function usePythonMirrorHarness() {
  let gym: PreparedGym | undefined;
  const runtime = createLocalRuntime();
  beforeAll(async () => {
    gym = await prepareFixtureGym('python-pytest');
  });
  const preparedGym = (): PreparedGym => {
    if (!gym) throw new Error('the python-pytest gym is prepared in beforeAll');
    return gym;
  };
  const runWith = (answers: Partial<Record<MirrorStep, StepAnswer[]>>, retriesPerStep = 2) => {
    const model = createScriptedModel(answersByStep({ ...PYTHON_HAPPY_ANSWERS, ...answers }));
    const events: MirrorEvent[] = [];
    const promise = mirrorCandidate({
      gym: preparedGym(),
      source: SOURCE_PR,
      model,
      runtime,
      budget: { retriesPerStep },
      verifyOptions: { repeats: { run: 1, test: 1, fix: 1 } },
      onEvent: (event) => events.push(event),
    });
    return { model, events, promise };
  };
  return { runWith, gym: preparedGym };
}

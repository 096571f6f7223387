/**
 * Several tasks per candidate (`samples` > 1) on the real python-pytest fixture gym: every distinct usable
 * mirror answer gets its own statement and verification, identical samples are not run twice, and dedup
 * keeps the variants whose FAIL_TO_PASS sets differ.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../src/core/model.js';
import type { PreparedGym } from '../../src/gym/types.js';
import { planDuplicates } from '../../src/dataset/dedup.js';
import { mirrorCandidate } from '../../src/mirror/mirror-candidate.js';
import type { MirrorStep } from '../../src/mirror/types.js';
import { tasksFromOutcome } from '../../src/pipeline/mirror-stage.js';
import { createLocalRuntime } from '../../src/runtime/local.js';
import { createScriptedModel } from '../../src/testing/scripted-model.js';
import { DISTILLED_PATTERN, PYTHON, SOURCE_PR, block, prepareFixtureGym } from './mirror-fixtures.js';

/** Two new tests that pass on clean code: one compares a two-digit identifier, one two one-digit identifiers. */
const TESTS = block(
  'tests/test_version.py',
  ['    assert str(parse("1.2.4-beta").bump_prerelease()) == "1.2.4-beta.0"'],
  [
    '    assert str(parse("1.2.4-beta").bump_prerelease()) == "1.2.4-beta.0"',
    '',
    '',
    'def test_two_digit_release_candidate_follows_one_digit():',
    '    assert parse("1.0.0-rc.10") > parse("1.0.0-rc.9")',
    '',
    '',
    'def test_one_digit_release_candidates_in_order():',
    '    assert parse("1.0.0-rc.1") < parse("1.0.0-rc.2")',
  ],
);

const NUMERIC_COMPARE = ['    if isinstance(left, int) and isinstance(right, int):', '        return (left > right) - (left < right)'];
/** Numbers compared as text: breaks only the two-digit test. */
const AS_TEXT = block('semver_lite/version.py', NUMERIC_COMPARE, ['    if isinstance(left, int) and isinstance(right, int):', '        return (str(left) > str(right)) - (str(left) < str(right))']);
/** The same edit with a comment, which is stripped: not a new variant. */
const AS_TEXT_COMMENTED = block('semver_lite/version.py', NUMERIC_COMPARE, ['    if isinstance(left, int) and isinstance(right, int):', '        return (str(left) > str(right)) - (str(left) < str(right))  # as text']);
/** Numbers in reverse: breaks both new tests. */
const REVERSED = block('semver_lite/version.py', NUMERIC_COMPARE, ['    if isinstance(left, int) and isinstance(right, int):', '        return (left < right) - (left > right)']);
/** Changes nothing the tests see. */
const HARMLESS = PYTHON.mirrorGenerateHarmless;

const STATEMENT = [
  '# Release candidates sort in the wrong order',
  '',
  'Comparing `parse("1.0.0-rc.10")` with other release candidates of the same version gives the wrong answer.',
  'Numeric identifiers should compare as numbers, as the semantic versioning rules say.',
].join('\n');

/** Per step, one answer per sample (index = sample of the request); a step's single answer serves every sample. */
function scriptBySample(mirrorSamples: string[]) {
  const answers: Record<Exclude<MirrorStep, 'verify'>, string[]> = {
    distill: [DISTILLED_PATTERN],
    'test-localize': [PYTHON.testLocalize],
    'test-generate': [TESTS],
    'mirror-localize': [PYTHON.mirrorLocalize],
    'mirror-generate': mirrorSamples,
    statement: [STATEMENT],
  };
  const perRequest = new Map<ChatRequest, number>();
  return (request: ChatRequest): string => {
    const sample = perRequest.get(request) ?? 0;
    perRequest.set(request, sample + 1);
    const list = answers[request.step as Exclude<MirrorStep, 'verify'>];
    return list[Math.min(sample, list.length - 1)] as string;
  };
}

describe('mirrorCandidate with several samples', () => {
  let gym: PreparedGym;
  const runtime = createLocalRuntime();
  beforeAll(async () => {
    gym = await prepareFixtureGym('python-pytest');
  }, 120_000);

  it('turns each distinct usable mirror answer into its own verified variant, and dedup keeps both', async () => {
    const model = createScriptedModel(scriptBySample([AS_TEXT, AS_TEXT_COMMENTED, HARMLESS, REVERSED]));
    const outcome = await mirrorCandidate({
      gym,
      source: SOURCE_PR,
      model,
      runtime,
      budget: { retriesPerStep: 0, samples: 4, temperature: 0.8 },
      verifyOptions: { repeats: { run: 1, test: 1, fix: 1 } },
    });
    expect(outcome.status).toBe('verified');
    expect(outcome.variants?.map((variant) => [variant.index, variant.status])).toEqual([
      [0, 'verified'],
      [1, 'verified'],
    ]);
    const [asText, reversed] = outcome.variants ?? [];
    expect(asText?.verdict?.FAIL_TO_PASS).toEqual(['tests/test_version.py::test_two_digit_release_candidate_follows_one_digit']);
    // Reversed numbers also break an existing range test, which the fix then fixes.
    expect([...(reversed?.verdict?.FAIL_TO_PASS ?? [])].sort()).toEqual([
      'tests/test_ranges.py::test_prerelease_needs_an_explicit_mention',
      'tests/test_version.py::test_one_digit_release_candidates_in_order',
      'tests/test_version.py::test_two_digit_release_candidate_follows_one_digit',
    ]);
    // Every request asked for 4 samples at the temperature; one statement call per variant, tagged with it.
    expect(model.calls.every((call) => call.n === 4 && call.temperature === 0.8)).toBe(true);
    const statementCalls = outcome.attempt.calls.filter((call) => call.step === 'statement');
    expect(statementCalls.map((call) => call.variant)).toEqual([0, 1]);
    expect(outcome.attempt.steps.filter((step) => step.step === 'verify').map((step) => [step.variant, step.outcome])).toEqual([
      [0, 'ok'],
      [1, 'ok'],
    ]);
    // The commented copy of the first answer was not a new variant; the harmless one was not usable.
    const mirrorStep = outcome.attempt.steps.find((step) => step.step === 'mirror-generate');
    expect(mirrorStep?.details?.distinctUsableSamples).toBe(2);

    const candidate = { id: 1, gym: gym.spec.name, stage: 'pending-mirror' as const, source: SOURCE_PR, lossRule: null, lossReason: null };
    const tasks = tasksFromOutcome(gym, candidate, outcome, model.id);
    expect(tasks.map((task) => [task.instanceId, task.variant ?? 0])).toEqual([
      ['python-pytest__example__versionkit-412', 0],
      ['python-pytest__example__versionkit-412-v2', 1],
    ]);
    expect(planDuplicates(tasks)).toEqual([]);
  }, 180_000);

  it('evaluates identical samples once and yields one task', async () => {
    const model = createScriptedModel(scriptBySample([AS_TEXT, AS_TEXT]));
    const outcome = await mirrorCandidate({
      gym,
      source: SOURCE_PR,
      model,
      runtime,
      budget: { retriesPerStep: 0, samples: 2 },
      verifyOptions: { repeats: { run: 1, test: 1, fix: 1 } },
    });
    expect(outcome.status).toBe('verified');
    expect(outcome.variants).toHaveLength(1);
    // The step-level log has no variant tags when there is only one.
    expect(outcome.attempt.calls.some((call) => call.variant !== undefined)).toBe(false);
    const mirrorCall = outcome.attempt.calls.find((call) => call.step === 'mirror-generate');
    expect(mirrorCall?.parsed).toHaveLength(2);
    expect(mirrorCall?.parsed[1]).toBeNull();
  }, 180_000);
});

import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { RECORD_SCHEMA_VERSION, type SourcePR } from '../../src/core/records.js';
import type { PreparedGym } from '../../src/gym/types.js';
import { mirrorCandidate } from '../../src/mirror/mirror-candidate.js';
import { createLocalRuntime } from '../../src/runtime/local.js';
import { createScriptedModel } from '../../src/testing/scripted-model.js';
import { answersByStep, block, lastMessage, prepareFixtureGym } from './mirror-fixtures.js';

/** An imagined PR of another tokenizer: signed exponents were split into three tokens. */
const SOURCE: SourcePR = {
  schemaVersion: RECORD_SCHEMA_VERSION,
  repo: 'example/mathlex',
  number: 31,
  title: 'Accept a sign after the exponent marker',
  body: 'Fixes #30',
  issues: [{ number: 30, title: '1e-3 is read as 1e - 3', body: 'Scientific notation with a negative exponent gives the wrong value.' }],
  diff: 'diff --git a/src/scan.rs b/src/scan.rs\n--- a/src/scan.rs\n+++ b/src/scan.rs\n@@ -1 +1,2 @@\n-    let exp = i + 1;\n+    let mut exp = i + 1;\n+    if is_sign(exp) { exp += 1; }\n',
  mergedAt: '2024-01-01T00:00:00Z',
  url: 'https://github.com/example/mathlex/pull/31',
  origin: 'jsonl',
};

const PATTERN = [
  '## Issue type',
  'Bug: wrong tokenization.',
  '## Core problem',
  'A sign right after the exponent marker of a number is not part of the number.',
  '## Technical context',
  'Scanning numeric literals in scientific notation.',
  '## Symptoms',
  'Expressions such as 1e-3 evaluate to a different value.',
  '## Root cause',
  'The scanner accepts digits only after the exponent marker.',
  '## Impact scope',
  'Numbers with a signed exponent.',
].join('\n');

const LAST_TEST = ['        assert_eq!((tokens[1].start, tokens[1].end), (2, 3));', '    }', '}'];
const NEW_TEST = ['    #[test]', '    fn signed_exponent_is_one_number() {', '        assert_eq!(kinds("1e-3"), vec![Token::Number(0.001)]);', '        assert_eq!(kinds("2E+2"), vec![Token::Number(200.0)]);', '    }'];
/** Adds the test after the module's closing brace: outside #[cfg(test)], so not test code. */
const TESTS_OUTSIDE_MODULE = block('src/lexer.rs', LAST_TEST, [...LAST_TEST, '', '#[test]', 'fn signed_exponent_is_one_number() {', '    assert_eq!(1, 1);', '}']);
const TESTS_IN_MODULE = block('src/lexer.rs', LAST_TEST, [...LAST_TEST.slice(0, 2), '', ...NEW_TEST, '}']);

const SIGN_CODE = [
  '        let mut exponent = index + 1;',
  "        if chars.get(exponent).is_some_and(|(_, c)| *c == '+' || *c == '-') {",
  '            exponent += 1;',
  '        }',
];
const MIRROR = block('src/lexer.rs', SIGN_CODE, ['        let exponent = index + 1;']);
/** The bug plus a "fix" to an existing test in the #[cfg(test)] module: refused. */
const MIRROR_TOUCHING_TESTS = [
  MIRROR,
  block('src/lexer.rs', ['        assert_eq!(kinds("2e"), vec![Token::Number(2.0), Token::Ident("e".into())]);'], ['        assert_eq!(kinds("2e").len(), 2);']),
].join('\n\n');

let gym: PreparedGym;

beforeAll(async () => {
  gym = await prepareFixtureGym('rust-cargo');
}, 600_000);

describe('mirrorCandidate on the rust-cargo gym with a test inline in a source file', () => {
  it('lets the test step add to a #[cfg(test)] module and the mirror step edit the same file outside it, refusing each the other side', async () => {
    const model = createScriptedModel(
      answersByStep({
        distill: [PATTERN],
        'test-localize': ['{"source_files": ["src/lexer.rs"], "test_files": ["src/lexer.rs"]}'],
        'test-generate': [TESTS_OUTSIDE_MODULE, TESTS_IN_MODULE],
        'mirror-localize': ['{"source_files": ["src/lexer.rs"]}'],
        'mirror-generate': [MIRROR_TOUCHING_TESTS, MIRROR],
        statement: ['# Scientific notation with a signed exponent gives the wrong result\n\nEvaluating `1e-3` does not give 0.001: the sign after `e` seems to end the number.'],
      }),
    );
    const outcome = await mirrorCandidate({ gym, source: SOURCE, model, runtime: createLocalRuntime(), verifyOptions: { repeats: { run: 1, test: 1, fix: 1 } } });
    expect(outcome.failure).toBeUndefined();
    expect(outcome.status).toBe('verified');
    expect(outcome.verdict?.FAIL_TO_PASS).toEqual(['exprcalc::lexer::tests::signed_exponent_is_one_number']);
    // The test and mirror steps' runs of the test code stand in for verify's targeted reruns: 3 suite runs.
    expect(outcome.verdict?.runs.map((run) => run.state)).toEqual(['run', 'test', 'fix']);
    const testFeedback = lastMessage(model.calls.filter((call) => call.step === 'test-generate')[1]);
    expect(testFeedback).toContain('the test step may edit test code only, but this changes the non-test code of src/lexer.rs (outside its #[cfg(test)] module)');
    const mirrorFeedback = lastMessage(model.calls.filter((call) => call.step === 'mirror-generate')[1]);
    expect(mirrorFeedback).toContain('the mirror step may not edit test code, but this changes the #[cfg(test)] module of src/lexer.rs at line 124');
    // One file, two sides: the test patch only inside the module, the mirror patch only outside it.
    expect(outcome.patches?.test).toContain('+    fn signed_exponent_is_one_number() {');
    expect(outcome.patches?.mirror).toContain('+        let exponent = index + 1;');
    expect(outcome.patches?.mirror).not.toContain('kinds("2e")');
    // Named as a source and as a test file, src/lexer.rs is shown once in the test-generation prompt.
    expect(lastMessage(model.calls.filter((call) => call.step === 'test-generate')[0]).split('### src/lexer.rs').length).toBe(2);
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: gym.workdir, encoding: 'utf8' })).toBe('');
  }, 600_000);
});

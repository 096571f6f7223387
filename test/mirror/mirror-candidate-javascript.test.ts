import { beforeAll, describe, expect, it } from 'vitest';
import { RECORD_SCHEMA_VERSION, type SourcePR } from '../../src/core/records.js';
import type { PreparedGym } from '../../src/gym/types.js';
import { mirrorCandidate } from '../../src/mirror/mirror-candidate.js';
import { createLocalRuntime } from '../../src/runtime/local.js';
import { createScriptedModel } from '../../src/testing/scripted-model.js';
import { answersByStep, block, lastMessage, prepareFixtureGym } from './mirror-fixtures.js';

const SOURCE: SourcePR = {
  schemaVersion: RECORD_SCHEMA_VERSION,
  repo: 'example/urlkit',
  number: 77,
  title: 'Decode every plus sign in form values',
  body: 'Closes #70',
  issues: [{ number: 70, title: 'Only the first + becomes a space', body: '`a+b+c` is decoded as `a b+c`.' }],
  diff: 'diff --git a/lib/form.js b/lib/form.js\n--- a/lib/form.js\n+++ b/lib/form.js\n@@ -1 +1 @@\n-  return s.replace("+", " ");\n+  return s.replace(/\\+/g, " ");\n',
  mergedAt: null,
  url: 'https://github.com/example/urlkit/pull/77',
  origin: 'jsonl',
};

const PATTERN = [
  '## Issue type',
  'Bug: incomplete replacement.',
  '## Core problem',
  'Only the first occurrence of an encoded space marker is decoded.',
  '## Technical context',
  'Decoding form-encoded query strings.',
  '## Symptoms',
  'Values with several plus signs keep all but the first.',
  '## Root cause',
  'A single replacement is used where a global one is needed.',
  '## Impact scope',
  'Keys and values containing two or more plus signs.',
].join('\n');

const TESTS = block(
  'test/parse.test.js',
  ["  test('keeps malformed escapes as written', () => {"],
  [
    "  test('decodes every plus sign as a space', () => {",
    "    expect(parse('q=one+two+three&first+last=a+b')).toEqual({ q: 'one two three', 'first last': 'a b' });",
    '  });',
    '',
    "  test('keeps malformed escapes as written', () => {",
  ],
);

const MIRROR = block('src/decode.js', ["  const spaced = text.replace(/\\+/g, ' ');"], ["  const spaced = text.replace('+', ' '); // only the first one"]);
const MIRROR_BROKEN = block('src/decode.js', ["  const spaced = text.replace(/\\+/g, ' ');"], ["  const spaced = text.replace('+', ' ';"]);

let gym: PreparedGym;

beforeAll(async () => {
  gym = await prepareFixtureGym('js-jest');
});

describe('mirrorCandidate on the js-jest gym', () => {
  it('catches a build break with the pre-check, retries, and ends in a verified task', async () => {
    const model = createScriptedModel(
      answersByStep({
        distill: [PATTERN],
        'test-localize': ['- src/decode.js\n- src/parse.js\n- test/parse.test.js'],
        'test-generate': [TESTS],
        'mirror-localize': ["['src/decode.js']"],
        'mirror-generate': [MIRROR_BROKEN, MIRROR],
        statement: ['# Query values with several `+` keep most of them\n\n`parse("q=a+b+c")` gives `{ q: "a b+c" }`; every `+` should be a space.'],
      }),
    );
    const outcome = await mirrorCandidate({ gym, source: SOURCE, model, runtime: createLocalRuntime(), verifyOptions: { repeats: { run: 1, test: 1, fix: 1 } } });
    expect(outcome.failure).toBeUndefined();
    expect(outcome.status).toBe('verified');
    expect(outcome.verdict?.FAIL_TO_PASS).toEqual(['test/parse.test.js > parse > decodes every plus sign as a space']);
    expect(outcome.attempt.localization).toEqual({ sourceFiles: ['src/decode.js', 'src/parse.js'], testFiles: ['test/parse.test.js'], mirrorFiles: ['src/decode.js'] });
    const feedback = lastMessage(model.calls.filter((call) => call.step === 'mirror-generate')[1]);
    expect(feedback).toContain('The build broke');
    expect(feedback).toContain('SyntaxError');
    expect(outcome.patches?.mirror).toContain("+  const spaced = text.replace('+', ' ');\n");
    expect(outcome.patches?.mirror).not.toContain('only the first one');
  });
});

import type { Language } from '../config/gym-spec.js';
import { stripOuterFence } from './distill.js';
import { checkStatementForLeaks } from './leak-check.js';
import type { AnswerEvaluation } from './model-step.js';

/** Check a problem statement (pure): long enough to be an issue, and no leak of tests or fix. */
export function evaluateStatement(
  answer: string,
  hidden: { tests: string[]; testFiles: string[]; fixPatch: string; testPatch?: string; language?: Language },
): AnswerEvaluation<string> {
  const statement = stripOuterFence(answer.trim());
  if (statement.length < 40) return { ok: false, feedback: 'The issue is empty or too short. Write a full issue: title, what happens, what was expected.', code: 'STATEMENT_TOO_SHORT' };
  const leaks = checkStatementForLeaks({
    statement,
    hiddenTests: hidden.tests,
    testFiles: hidden.testFiles,
    fixPatch: hidden.fixPatch,
    ...(hidden.testPatch === undefined ? {} : { testPatch: hidden.testPatch }),
    ...(hidden.language === undefined ? {} : { language: hidden.language }),
  });
  if (leaks.hasLeaks) {
    return {
      ok: false,
      feedback: `The issue gives away hidden information: ${leaks.reasons.join('; ')}. Describe only the observable behaviour.`,
      code: 'STATEMENT_LEAK',
      parsed: leaks.leaks,
    };
  }
  return { ok: true, value: statement, summary: `${statement.length} characters, no leaks` };
}

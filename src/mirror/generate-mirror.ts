import { applyPatch, diffWorkingCopy, listPatchFiles } from '../edits/patch.js';
import { applySearchReplaceBlocks, parseSearchReplaceBlocks } from '../edits/search-replace.js';
import { nonTestCodeOnly } from '../test-code/test-code.js';
import { editErrorFeedback, noBlocksFeedback } from './generate-tests.js';
import type { AnswerEvaluation } from './model-step.js';
import type { GeneratedMirror } from './types.js';
import { outputTail, runPrecheck } from './precheck.js';
import { stripAddedComments } from './strip-added-comments.js';
import { checkTestsAfterMirroring } from './test-checks.js';
import { resetWorkspace, runTestFiles, type Workspace } from './workspace.js';


/**
 * Evaluate a mirror-generation answer: apply it to the clean gym (non-test files only), strip the comments
 * it adds, apply the test patch, pre-check, run the touched test files, and require a new test to fail (every new test
 * in strict mode).
 * Comments are stripped before the run so the state that is checked is the state that ships.
 */
export function createMirrorAnswerEvaluator(
  workspace: Workspace,
  tests: { testPatch: string; testFiles: string[]; newTests: string[] },
  options: { isStrict?: boolean } = {},
) {
  const { gym } = workspace;
  return async (answer: string, tryIndex: number): Promise<AnswerEvaluation<GeneratedMirror>> => {
    const parsed = parseSearchReplaceBlocks(answer);
    if (parsed.blocks.length === 0) return { ok: false, feedback: noBlocksFeedback(parsed.problems), parsed, code: 'EDIT_NO_BLOCKS' };
    await resetWorkspace(workspace);
    try {
      await applySearchReplaceBlocks(workspace.workdir, parsed.blocks, { allowedFiles: nonTestCodeOnly(gym.spec.testFiles, 'the mirror step') });
    } catch (error) {
      return { ok: false, ...editErrorFeedback(error), parsed };
    }
    const rawPatch = await diffWorkingCopy(workspace.workdir);
    if (rawPatch.trim() === '') return { ok: false, feedback: 'The edits did not change anything: the REPLACE text equals the SEARCH text.', parsed, code: 'MIRROR_PATCH_EMPTY' };
    const stripped = await stripAddedComments(workspace.workdir, rawPatch, gym.spec.language);
    const mirrorPatch = stripped.lineCount > 0 ? await diffWorkingCopy(workspace.workdir) : rawPatch;
    if (mirrorPatch.trim() === '') {
      return { ok: false, feedback: 'The edits only add comments; once they are removed nothing changes. Change the code itself.', parsed, code: 'MIRROR_PATCH_EMPTY' };
    }
    await applyPatch(workspace.workdir, tests.testPatch, { label: 'test.patch' });
    const touched = [...listPatchFiles(mirrorPatch), ...tests.testFiles];
    const precheck = await runPrecheck(gym, workspace.runtime, workspace.workdir, touched);
    if (!precheck.passed && precheck.process?.timedOut) {
      return {
        ok: false,
        feedback: `The pre-check \`${precheck.command}\` did not finish within the gym's time limit of ${gym.spec.timeLimitSeconds} seconds after your change: the build probably hangs. The code must still compile quickly; the bug must show only as wrong behaviour.`,
        parsed,
        code: 'MIRROR_PRECHECK_TIMED_OUT',
        details: { precheck: precheck.command },
      };
    }
    if (!precheck.passed && precheck.process) {
      return {
        ok: false,
        feedback: `The build broke: the pre-check \`${precheck.command}\` failed after your change:\n\n${outputTail(precheck.process)}\n\nThe code must still compile; the bug must show only as wrong behaviour.`,
        parsed,
        code: 'MIRROR_PRECHECK_FAILED',
        details: { precheck: precheck.command },
      };
    }
    const run = await runTestFiles(workspace, tests.testFiles, `mirror-generate-${tryIndex}`);
    const check = checkTestsAfterMirroring(tests.newTests, run, { timeLimitSeconds: gym.spec.timeLimitSeconds, ...options });
    if (!check.ok) return { ok: false, feedback: check.feedback, parsed, code: check.code ?? 'MIRROR_TESTS_NOT_RUN', details: { tests: run.report.tests } };
    return {
      ok: true,
      value: { mirrorPatch, failingTests: check.tests, commentsStripped: stripped.lineCount, mirroredRun: { tests: run.report.tests, hasEvidence: run.report.hasEvidence } },
      parsed,
      summary: `${check.tests.length} of ${tests.newTests.length} new tests fail${stripped.lineCount > 0 ? `; ${stripped.lineCount} added comment line(s) stripped` : ''}`,
      details: { failingTests: check.tests, commentsStripped: stripped.lineCount, files: listPatchFiles(mirrorPatch) },
    };
  };
}

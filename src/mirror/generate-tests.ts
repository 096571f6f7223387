import { describeError, isSweMirrorError } from '../core/errors.js';
import { classifyPatchFiles, diffWorkingCopy, listPatchFiles } from '../edits/patch.js';
import { applySearchReplaceBlocks, parseSearchReplaceBlocks, testFilesOnly } from '../edits/search-replace.js';
import type { AnswerEvaluation } from './model-step.js';
import { checkTestsOnCleanCode } from './test-checks.js';
import { resetWorkspace, runTestFiles, type Workspace } from './workspace.js';

export interface GeneratedTests {
  testPatch: string;
  testFiles: string[];
  newTests: string[];
}

/** Feedback for an answer with no readable SEARCH/REPLACE block. */
export function noBlocksFeedback(problems: string[]): string {
  const detail = problems.length > 0 ? `\n${problems.map((problem) => `- ${problem}`).join('\n')}` : '';
  return `I could not read any SEARCH/REPLACE block in the answer.${detail}\nEach block is the file path alone on a line, then \`<<<<<<< SEARCH\`, the exact current lines, \`=======\`, the new lines, \`>>>>>>> REPLACE\`.`;
}

/** Turn a model-caused edit error into feedback; anything else is rethrown. */
export function editErrorFeedback(error: unknown): { feedback: string; code: string } {
  if (isSweMirrorError(error) && error.kind === 'model') return { feedback: `The edit could not be applied: ${describeError(error)}`, code: error.code };
  throw error;
}

/**
 * Evaluate a test-generation answer on a clean working copy: apply it (test files only), run the touched
 * test files, and require new tests that all pass on the current code. (No separate pre-check here: the
 * run itself reports tests that do not load, with the runner's message.)
 */
export function createTestAnswerEvaluator(workspace: Workspace) {
  const { gym } = workspace;
  return async (answer: string, tryIndex: number): Promise<AnswerEvaluation<GeneratedTests>> => {
    const parsed = parseSearchReplaceBlocks(answer);
    if (parsed.blocks.length === 0) return { ok: false, feedback: noBlocksFeedback(parsed.problems), parsed, code: 'EDIT_NO_BLOCKS' };
    await resetWorkspace(workspace);
    try {
      await applySearchReplaceBlocks(workspace.workdir, parsed.blocks, { allowedFiles: testFilesOnly(gym.spec.testFiles, 'the test step') });
    } catch (error) {
      return { ok: false, ...editErrorFeedback(error), parsed };
    }
    const testPatch = await diffWorkingCopy(workspace.workdir);
    const testFiles = classifyPatchFiles(listPatchFiles(testPatch), gym.spec.testFiles).testFiles;
    if (testPatch.trim() === '' || testFiles.length === 0) {
      return { ok: false, feedback: 'The edits did not change any test file. Add new tests.', parsed, code: 'TEST_PATCH_EMPTY' };
    }
    const run = await runTestFiles(workspace, testFiles, `test-generate-${tryIndex}`);
    const check = checkTestsOnCleanCode(gym.baseline.tests, run);
    if (!check.ok) return { ok: false, feedback: check.feedback, parsed, code: 'TEST_NOT_PASSING_ON_CLEAN', details: { testFiles, tests: run.report.tests } };
    return {
      ok: true,
      value: { testPatch, testFiles, newTests: check.tests },
      parsed,
      summary: `${check.tests.length} new test${check.tests.length === 1 ? '' : 's'} pass on clean code`,
      details: { testFiles, newTests: check.tests },
    };
  };
}

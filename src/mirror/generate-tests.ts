import type { Language } from '../config/gym-spec.js';
import { describeError, isSweMirrorError } from '../core/errors.js';
import { diffWorkingCopy, listPatchFiles } from '../edits/patch.js';
import { applySearchReplaceBlocks, parseSearchReplaceBlocks, testFilesOnly } from '../edits/search-replace.js';
import { listTestCodeFiles, testCodeOnly } from '../test-code/test-code.js';
import type { AnswerEvaluation } from './model-step.js';
import type { GeneratedTests } from './types.js';
import { findPatchTestDeclarations, findRemovedTestDeclarations } from './test-declarations.js';
import { checkTestsOnCleanCode } from './test-checks.js';
import { resetWorkspace, runTestFiles, type Workspace } from './workspace.js';


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
 * Feedback for a test patch that deletes or renames existing tests or test files, read from the patch
 * before anything runs (verify would refuse the task by rule 1, three model calls and seven suite runs later).
 */
export function describeRemovedTests(testPatch: string, language: Language, testGlobs: string[]): string | undefined {
  // Rust keeps tests inside source files too (`#[cfg(test)]`); a `#[test]` attribute marks them anywhere.
  const isTestFile = testFilesOnly(testGlobs).isAllowed;
  const declarations = findPatchTestDeclarations(testPatch, language, (file) => language === 'rust' || isTestFile(file));
  const removed = findRemovedTestDeclarations(declarations);
  const problems = [
    ...declarations.movedFiles.map((moved) => (moved.to === null ? `- the test file ${moved.from} is deleted` : `- the test file ${moved.from} is renamed to ${moved.to}`)),
    ...removed.slice(0, 15).map((declaration) => `- ${declaration.kind === 'parameter' ? 'the parameter id' : declaration.kind === 'suite' ? 'the suite' : 'the test'} \`${declaration.name}\` in ${declaration.file} is removed or renamed`),
  ];
  if (problems.length === 0) return undefined;
  return `Your change deletes or renames existing tests:\n${problems.join('\n')}\n\nKeep every existing test exactly as it is, under the same name; add the new tests beside them.`;
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
      await applySearchReplaceBlocks(workspace.workdir, parsed.blocks, { allowedFiles: testCodeOnly(gym.spec.testFiles, 'the test step') });
    } catch (error) {
      return { ok: false, ...editErrorFeedback(error), parsed };
    }
    const testPatch = await diffWorkingCopy(workspace.workdir);
    // Rust source files count when the edit changed only their #[cfg(test)] modules (testCodeOnly checked it).
    const testFiles = listTestCodeFiles(listPatchFiles(testPatch), gym.spec.testFiles);
    if (testPatch.trim() === '' || testFiles.length === 0) {
      return { ok: false, feedback: 'The edits did not change any test file. Add new tests.', parsed, code: 'TEST_PATCH_EMPTY' };
    }
    const removed = describeRemovedTests(testPatch, gym.spec.language, gym.spec.testFiles);
    if (removed !== undefined) return { ok: false, feedback: removed, parsed, code: 'TEST_PATCH_REMOVES_TESTS', details: { testFiles } };
    const run = await runTestFiles(workspace, testFiles, `test-generate-${tryIndex}`);
    const check = checkTestsOnCleanCode(gym.baseline.tests, run, { timeLimitSeconds: gym.spec.timeLimitSeconds, testFiles });
    if (!check.ok) return { ok: false, feedback: check.feedback, parsed, code: check.code ?? 'TEST_NOT_PASSING_ON_CLEAN', details: { testFiles, tests: run.report.tests } };
    return {
      ok: true,
      value: { testPatch, testFiles, newTests: check.tests, cleanRun: { tests: run.report.tests, hasEvidence: run.report.hasEvidence } },
      parsed,
      summary: `${check.tests.length} new test${check.tests.length === 1 ? '' : 's'} pass on clean code`,
      details: { testFiles, newTests: check.tests },
    };
  };
}

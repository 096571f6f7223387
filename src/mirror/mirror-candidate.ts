import { performance } from 'node:perf_hooks';
import { describeError, isSweMirrorError } from '../core/errors.js';
import { RECORD_SCHEMA_VERSION, type SourcePR } from '../core/records.js';
import { invertPatch } from '../edits/patch.js';
import { withWorkingCopy } from '../gym/working-copies.js';
import { verifyTask } from '../verify/verify-task.js';
import { evaluateBugPattern, distillValues } from './distill.js';
import { hashFixContent } from '../dataset/fix-content.js';
import { continueAttemptLog, resumableAttempt } from './checkpoint.js';
import { createMirrorAnswerEvaluator } from './generate-mirror.js';
import { createTestAnswerEvaluator } from './generate-tests.js';
import { evaluateMirrorLocalization, evaluateTestLocalization } from './localize.js';
import { recordStep, runModelStep, type StepContext, type StepResult } from './model-step.js';
import { describeMirrorPrompts, loadPromptTemplate, renderPromptTemplate } from '../prompts/templates.js';
import { formatFileContents, formatIssueText, formatRepositoryTree, listTrackedFiles, loadStyleExamples, truncateText } from './repository-context.js';
import type { AttemptLog, GeneratedMirror, GeneratedTests, MirrorInput, MirrorOutcome, MirrorStep, MirrorVariant, VerifyFunction } from './types.js';
import { resetWorkspace, type Workspace } from './workspace.js';
import { evaluateStatement } from './write-statement.js';

export type { MirrorInput, MirrorOutcome } from './types.js';

const DEFAULT_RETRIES_PER_STEP = 2;
const PATCH_PROMPT_LIMIT = 12_000;

/** A step that ran out of tries: becomes the outcome's failure. */
class StepFailure extends Error {
  constructor(
    readonly step: MirrorStep,
    readonly reason: string,
    readonly isRejection: boolean,
  ) {
    super(reason);
  }
}

/**
 * Mirror one source PR into one gym: distill → localize and write tests (they must pass on clean code)
 * → localize and write the mirror (the new tests must fail; added comments stripped) → fix = inverse →
 * problem statement (leak-checked) → full verification. Each model step is retried with its concrete
 * failure as feedback, within the budget. Never throws for model misbehaviour
 * of this one candidate: those end as a `failed` outcome with the step and reason recorded.
 * Infrastructure errors (model endpoint unreachable after retries, sandbox or git broken) are thrown:
 * they are not the candidate's fault, and a pipeline should try it again later.
 */
export async function mirrorCandidate(input: MirrorInput): Promise<MirrorOutcome> {
  if (input.workdir === undefined) return withWorkingCopy(input.gym, (workdir) => mirrorCandidate({ ...input, workdir }));
  const { gym, source } = input;
  const retriesPerStep = input.budget?.retriesPerStep ?? DEFAULT_RETRIES_PER_STEP;
  const samples = Math.max(1, input.budget?.samples ?? 1);
  const temperature = input.budget?.temperature;
  const fresh = createAttemptLog(input, { retriesPerStep, samples, ...(temperature === undefined ? {} : { temperature }) });
  const previous = resumableAttempt(input.resume, gym.commit);
  const log = previous ? continueAttemptLog(fresh, previous) : { ...fresh, checkpoint: {} };
  const emit = input.onEvent ?? (() => undefined);
  const context: StepContext = { model: input.model, budget: { retriesPerStep, samples, ...(temperature === undefined ? {} : { temperature }) }, log, emit };
  const workspace: Workspace = {
    gym,
    runtime: input.runtime,
    workdir: input.workdir,
    ...(input.logDirectory ? { logDirectory: input.logDirectory } : {}),
  };
  const finish = (outcome: Omit<MirrorOutcome, 'attempt'>): MirrorOutcome => {
    log.status = outcome.status;
    if (outcome.failure) log.failure = outcome.failure;
    log.finishedAt = new Date().toISOString();
    emit({ type: 'finished', status: outcome.status });
    return { ...outcome, attempt: log };
  };

  try {
    await resetWorkspace(workspace);
    return finish(await runSteps(input, context, workspace));
  } catch (error) {
    if (error instanceof StepFailure) {
      return finish({ status: error.isRejection ? 'rejected' : 'failed', failure: { step: error.step, reason: error.reason } });
    }
    if (isSweMirrorError(error) && error.kind === 'model') {
      const step = currentStep(log);
      return finish({ status: 'failed', failure: { step, reason: `${error.code}: ${describeError(error)}` } });
    }
    // Not the candidate's fault: keep what is finished, so a rerun continues at this step.
    log.interrupted = { step: currentStep(log), reason: describeError(error), at: new Date().toISOString() };
    input.onInterrupted?.(log);
    throw error;
  } finally {
    await resetWorkspace(workspace).catch(() => undefined);
  }
}

async function runSteps(input: MirrorInput, context: StepContext, workspace: Workspace): Promise<Omit<MirrorOutcome, 'attempt'>> {
  const { gym, source } = input;
  const language = gym.spec.language;
  const testGlobs = gym.spec.testFiles;
  const log = context.log;
  const expect = <T>(step: MirrorStep, result: { ok: true; value: T } | { ok: false; reason: string; code?: string }, rejectOn?: string): T => {
    if (result.ok) return result.value;
    throw new StepFailure(step, result.reason, rejectOn !== undefined && result.code === rejectOn);
  };
  const expectAll = <T>(step: MirrorStep, result: StepResult<T>): { value: T; others?: T[] } => {
    if (result.ok) return result;
    throw new StepFailure(step, result.reason, false);
  };

  const checkpoint = (log.checkpoint ??= {});
  const bugPattern =
    checkpoint.bugPattern ??
    expect(
      'distill',
      await runModelStep(context, 'distill', render('distill', distillValues(source, language)), async (answer) => evaluateBugPattern(answer, source)),
    );
  log.bugPattern = checkpoint.bugPattern = bugPattern;

  const trackedFiles = await listTrackedFiles(workspace.workdir);
  const repoTree = formatRepositoryTree(trackedFiles);
  const localization =
    checkpoint.localization ??
    expect(
      'test-localize',
      await runModelStep(
        context,
        'test-localize',
        render('test-localize', { language, bug_pattern: bugPattern, repo_tree: repoTree, test_globs: testGlobs.join(', ') }),
        async (answer) => evaluateTestLocalization(answer, trackedFiles, testGlobs),
      ),
    );
  log.localization = { ...localization };
  checkpoint.localization = localization;

  const tests =
    checkpoint.tests ??
    expect(
      'test-generate',
      await runModelStep(
        context,
        'test-generate',
        render('test-generate', {
          language,
          bug_pattern: bugPattern,
          files: await formatFileContents(workspace.workdir, [...localization.sourceFiles, ...localization.testFiles]),
          test_globs: testGlobs.join(', '),
        }),
        createTestAnswerEvaluator(workspace),
      ),
    );
  log.newTests = tests.newTests;
  checkpoint.tests = tests;
  await resetWorkspace(workspace);

  const testPatchForPrompt = truncateText(tests.testPatch, PATCH_PROMPT_LIMIT);
  const mirrorFiles =
    checkpoint.mirrorFiles ??
    expect(
      'mirror-localize',
      await runModelStep(
        context,
        'mirror-localize',
        render('mirror-localize', { language, bug_pattern: bugPattern, test_patch: testPatchForPrompt, repo_tree: repoTree, test_globs: testGlobs.join(', ') }),
        async (answer) => evaluateMirrorLocalization(answer, trackedFiles, testGlobs),
      ),
    );
  log.localization = { ...localization, mirrorFiles };
  checkpoint.mirrorFiles = mirrorFiles;

  const [firstMirror, ...otherMirrors] = checkpoint.mirrors ?? [];
  const mirror = firstMirror ? { value: firstMirror, others: otherMirrors } : expectAll(
    'mirror-generate',
    await runModelStep(
      context,
      'mirror-generate',
      render('mirror-generate', {
        language,
        bug_pattern: bugPattern,
        test_patch: testPatchForPrompt,
        failing_tests: tests.newTests.map((test) => `- ${test}`).join('\n'),
        files: await formatFileContents(workspace.workdir, mirrorFiles),
        test_globs: testGlobs.join(', '),
      }),
      createMirrorAnswerEvaluator(workspace, tests, { isStrict: input.verifyOptions?.strict ?? false }),
      { distinctKey: (value) => hashFixContent(value.mirrorPatch) },
    ),
  );
  log.failingTests = mirror.value.failingTests;
  log.commentsStripped = mirror.value.commentsStripped;
  await resetWorkspace(workspace);

  // With several samples, each distinct usable mirror answer becomes its own task (statement, verification).
  const mirrors = [mirror.value, ...(mirror.others ?? [])];
  checkpoint.mirrors = mirrors;
  const variants: MirrorVariant[] = [];
  for (const [index, value] of mirrors.entries()) {
    const variantContext: StepContext = mirrors.length > 1 ? { ...context, variant: index } : context;
    variants.push(await finishVariant(input, variantContext, workspace, tests, value, index));
  }
  const primary = variants.find((variant) => variant.status === 'verified') ?? (variants[0] as MirrorVariant);
  const { index: _index, ...fields } = primary;
  return { ...fields, variants };
}

/** Statement and verification of one mirror variant. */
async function finishVariant(
  input: MirrorInput,
  context: StepContext,
  workspace: Workspace,
  tests: GeneratedTests,
  mirror: GeneratedMirror,
  index: number,
): Promise<MirrorVariant> {
  const { gym, source } = input;
  const language = gym.spec.language;
  const patches = { mirror: mirror.mirrorPatch, test: tests.testPatch, fix: invertPatch(mirror.mirrorPatch) };
  const testPatchForPrompt = truncateText(tests.testPatch, PATCH_PROMPT_LIMIT);
  const statementResult = await runModelStep(
    context,
    'statement',
    render('statement', {
      repo_name: gym.spec.name,
      language,
      issue_text: formatIssueText(source),
      test_patch: testPatchForPrompt,
      fix_patch: truncateText(patches.fix, PATCH_PROMPT_LIMIT),
      style_examples: await loadStyleExamples(workspace.workdir),
    }),
    async (answer) => evaluateStatement(answer, { tests: tests.newTests, testFiles: tests.testFiles, fixPatch: patches.fix, testPatch: tests.testPatch, language }),
  );
  if (!statementResult.ok) {
    const isLeak = statementResult.code === 'STATEMENT_LEAK';
    return { index, status: isLeak ? 'rejected' : 'failed', patches, failure: { step: 'statement', reason: statementResult.reason } };
  }
  const statement = statementResult.value;

  const verify: VerifyFunction = input.verify ?? verifyTask;
  context.emit({ type: 'step-start', step: 'verify', try: 0 });
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const verdict = await verify(gym, patches, {
    runtime: input.runtime,
    workdir: workspace.workdir,
    // The test and mirror steps' accepted runs are runs of exactly the fix and test trees: verify's first reruns.
    ...(tests.cleanRun && mirror.mirroredRun ? { priorRuns: { fix: tests.cleanRun, test: mirror.mirroredRun } } : {}),
    ...(input.verifyOptions ?? {}),
    ...(input.logDirectory ? { logDirectory: index === 0 ? input.logDirectory : `${input.logDirectory}-variant${index + 1}` } : {}),
  });
  const reasons = verdict.reasons.map((reason) => `${reason.rule}: ${reason.message}`);
  recordStep(context, {
    step: 'verify',
    try: 0,
    outcome: verdict.valid ? 'ok' : 'failed',
    startedAt,
    durationMs: performance.now() - started,
    details: { valid: verdict.valid, FAIL_TO_PASS: verdict.FAIL_TO_PASS, reasons, sandbox: verdict.sandbox },
    ...(verdict.valid ? {} : { feedback: reasons.join('; ') }),
  });
  if (!verdict.valid) {
    context.emit({ type: 'step-failed', step: 'verify', reason: reasons.join('; ') });
    return { index, status: 'rejected', patches, statement, verdict, failure: { step: 'verify', reason: reasons.join('; ') || 'the verifier rejected the task' } };
  }
  context.emit({ type: 'step-done', step: 'verify', try: 0, summary: `${verdict.FAIL_TO_PASS.length} FAIL_TO_PASS, ${verdict.PASS_TO_PASS.length} PASS_TO_PASS` });
  return { index, status: 'verified', patches, statement, verdict };
}

function render(name: Parameters<typeof loadPromptTemplate>[0], values: Record<string, string>) {
  return renderPromptTemplate(loadPromptTemplate(name), values);
}


function createAttemptLog(input: MirrorInput, budget: AttemptLog['budget']): AttemptLog {
  const source: SourcePR = input.source;
  return {
    schemaVersion: RECORD_SCHEMA_VERSION,
    gym: input.gym.spec.name,
    gymCommit: input.gym.commit,
    source: { repo: source.repo, number: source.number, url: source.url, issues: source.issues.map((issue) => issue.number) },
    model: input.model.id,
    prompts: describeMirrorPrompts(),
    budget,
    startedAt: new Date().toISOString(),
    steps: [],
    calls: [],
    totals: { calls: 0, cachedCalls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, latencyMs: 0 },
  };
}

/** The step in progress when something unexpected stopped the loop: the one after the last recorded success. */
function currentStep(log: AttemptLog): MirrorStep {
  const order: MirrorStep[] = ['distill', 'test-localize', 'test-generate', 'mirror-localize', 'mirror-generate', 'statement', 'verify'];
  const last = log.steps.filter((entry) => entry.outcome === 'ok').pop();
  if (last === undefined) return 'distill';
  return order[Math.min(order.indexOf(last.step) + 1, order.length - 1)] ?? 'verify';
}

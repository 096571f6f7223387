import type { GymSpec } from '../config/gym-spec.js';
import type { PerTestStatus, Task, TestState } from '../core/records.js';
import type { TestStatus } from '../core/tests.js';
import { buildEvalScript } from './eval-script.js';
import { swebenchImage, swebenchLogParser } from './swebench-fields.js';

/** What an export needs to know of a task's gym. */
export interface ExportGym {
  name: string;
  spec: GymSpec;
  /** `owner/name` when the gym has a remote; else `swe-mirror/<gym name>`. */
  repo: string;
  commit: string;
  /** The image records name (image_name): a docker gym's prepared gym image, else the spec's image. */
  image?: string;
}

/** How the task's verification runs were isolated (DESIGN section 3, rule 5); null for tasks stored before it was recorded. */
function sandboxFields(task: Task) {
  return task.sandbox ? { isolated: task.sandbox.isolated, unsafe_no_sandbox: task.sandbox.unsafeNoSandbox, missing: [...task.sandbox.missing] } : null;
}

/** SWE-bench field names for the test lists: real lists, or the JSON-string form dataset hubs use. */
function testList(values: readonly string[], asJsonString: boolean): string[] | string {
  return asJsonString ? JSON.stringify(values) : [...values];
}

/** One SWE-bench-form record (DESIGN.md section 5). `baseCommit` is the materialized buggy commit. */
export function toSweBenchRecord(task: Task, gym: ExportGym, baseCommit: string, options: { listsAsJsonStrings?: boolean } = {}) {
  const asString = options.listsAsJsonStrings ?? false;
  return {
    instance_id: task.instanceId,
    repo: gym.repo,
    base_commit: baseCommit,
    patch: task.fixPatch,
    test_patch: task.testPatch,
    problem_statement: task.problemStatement,
    hints_text: '',
    created_at: task.createdAt,
    version: '1.0',
    environment_setup_commit: gym.commit,
    FAIL_TO_PASS: testList(task.FAIL_TO_PASS, asString),
    PASS_TO_PASS: testList(task.PASS_TO_PASS, asString),
    mirror_patch: task.mirrorPatch,
    gym_commit: gym.commit,
    language: task.language,
    gym: task.gym,
    source_pr_url: task.source.url,
    source_repo: task.source.repo,
    source_pr_number: task.source.number,
    source_issues: task.source.issues,
    model: task.model,
    cost_usd: task.costUsd,
    // The faithfulness judge's grade (mirror.judge): high | moderate | inconsistent | unreadable; null when not judged.
    consistency: task.consistency?.level ?? null,
    consistency_reason: task.consistency?.reason ?? null,
    eval_script: buildEvalScript({ spec: gym.spec, gymCommit: gym.commit, baseCommit, mirrorPatch: task.mirrorPatch, testPatch: task.testPatch }),
    // swebench 5 reads these three; swe-mirror's own report format is report_format.
    log_parser: swebenchLogParser(gym.spec.test.report.format, [...task.FAIL_TO_PASS, ...task.PASS_TO_PASS]),
    eval_type: 'pass_and_fail',
    image: swebenchImage(gym.image ?? gym.spec.image, task.instanceId),
    report_format: gym.spec.test.report.format,
    report_file: gym.spec.test.report.file ?? null,
    test_command: gym.spec.test.command,
    install_commands: gym.spec.install,
    image_name: gym.image ?? gym.spec.image ?? null,
    sandbox: sandboxFields(task),
  };
}

const MSB_STATUS: Record<TestStatus, string> = { PASSED: 'PASS', FAILED: 'FAIL', SKIPPED: 'SKIP', NONE: 'NONE' };

function bucket(tests: Record<string, PerTestStatus>, predicate: (status: PerTestStatus) => boolean): Record<string, Record<TestState, string>> {
  const result: Record<string, Record<TestState, string>> = {};
  for (const name of Object.keys(tests).sort()) {
    const status = tests[name];
    if (status && predicate(status)) result[name] = { run: MSB_STATUS[status.run], test: MSB_STATUS[status.test], fix: MSB_STATUS[status.fix] };
  }
  return result;
}

function counts(tests: Record<string, PerTestStatus>, state: TestState) {
  const byStatus = (wanted: TestStatus) => Object.keys(tests).filter((name) => tests[name]?.[state] === wanted).sort();
  const passed = byStatus('PASSED');
  const failed = byStatus('FAILED');
  const skipped = byStatus('SKIPPED');
  return {
    passed_count: passed.length,
    failed_count: failed.length,
    skipped_count: skipped.length,
    passed_tests: passed,
    failed_tests: failed,
    skipped_tests: skipped,
  };
}

/**
 * One Multi-SWE-bench-form record. Buckets are read from the (test, fix) transition:
 * f2p FAILED→PASSED, s2p SKIPPED→PASSED, n2p NONE→PASSED, p2p PASSED in all three states;
 * fixed_tests is their union minus p2p.
 */
export function toMultiSweBenchRecord(task: Task, gym: ExportGym, number: number, baseCommit: string) {
  const [org, repo] = gym.repo.includes('/') ? (gym.repo.split('/', 2) as [string, string]) : ['swe-mirror', gym.repo];
  const passesAfterFix = (status: PerTestStatus) => status.fix === 'PASSED';
  return {
    org,
    repo,
    number,
    state: 'closed',
    title: task.problemStatement.split('\n')[0]?.replace(/^#+\s*/, '').slice(0, 200) ?? '',
    body: task.problemStatement,
    base: { label: `${org}:${task.instanceId}`, ref: task.instanceId, sha: baseCommit },
    resolved_issues: [{ number, title: task.problemStatement.split('\n')[0]?.replace(/^#+\s*/, '') ?? '', body: task.problemStatement }],
    fix_patch: task.fixPatch,
    test_patch: task.testPatch,
    fixed_tests: bucket(task.tests, (status) => passesAfterFix(status) && status.test !== 'PASSED'),
    p2p_tests: bucket(task.tests, (status) => status.run === 'PASSED' && status.test === 'PASSED' && status.fix === 'PASSED'),
    f2p_tests: bucket(task.tests, (status) => status.test === 'FAILED' && passesAfterFix(status)),
    s2p_tests: bucket(task.tests, (status) => status.test === 'SKIPPED' && passesAfterFix(status)),
    n2p_tests: bucket(task.tests, (status) => status.test === 'NONE' && passesAfterFix(status)),
    run_result: counts(task.tests, 'run'),
    test_patch_result: counts(task.tests, 'test'),
    fix_patch_result: counts(task.tests, 'fix'),
    // Multi-SWE-bench's PullRequest reads the language as `lang`; `language` stays for swe-mirror's own readers.
    lang: task.language,
    instance_id: task.instanceId,
    language: task.language,
    mirror_patch: task.mirrorPatch,
    image_name: gym.image ?? gym.spec.image ?? null,
    sandbox: sandboxFields(task),
  };
}

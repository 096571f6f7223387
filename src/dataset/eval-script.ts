import type { GymSpec } from '../config/gym-spec.js';
import { parsePatch } from '../edits/patch-parse.js';
import { buildContainerEnvironment } from '../gym/gym-environment.js';

export const TEST_OUTPUT_START = '>>>>> Start Test Output';
export const TEST_OUTPUT_END = '>>>>> End Test Output';
export const REPORT_START = '>>>>> Start Report File';
export const REPORT_END = '>>>>> End Report File';

/** `command <<'MARKER' suffix`, then the content, then the marker line. */
function withHeredoc(command: string, marker: string, content: string, suffix = ''): string {
  const body = content.endsWith('\n') ? content : `${content}\n`;
  return `${command} <<'${marker}'${suffix}\n${body}${marker}`;
}

function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Put a file the test patch touches back as the buggy state has it, or remove it when it is new. Test files are the
 * same at the base commit and at the gym commit (mirror.patch touches no test file), so a repository that holds only
 * the gym commit (the gym image of a docker gym, SWE_MIRROR_FROM_GYM_COMMIT=1) restores it from there.
 */
function restoreTestFile(file: string, baseCommit: string, gymCommit: string): string {
  return `git checkout -q ${baseCommit} -- ${quote(file)} 2>/dev/null || git checkout -q ${gymCommit} -- ${quote(file)} 2>/dev/null || rm -f ${quote(file)}`;
}

/**
 * The per-task evaluation script, SWE-bench style. It runs in the repository at `base_commit`
 * (the materialized buggy state) with the candidate patch applied; it restores the files the test
 * patch touches, applies the test patch, and runs the suite between markers (the report file, if any, inside them),
 * printing the exit code after them.
 * With SWE_MIRROR_FROM_GYM_COMMIT=1 it starts from the clean gym commit and applies the mirror first.
 */
export function buildEvalScript(input: { spec: GymSpec; gymCommit: string; baseCommit: string; mirrorPatch: string; testPatch: string }): string {
  const testFiles = [...new Set(parsePatch(input.testPatch).flatMap((section) => [section.oldPath, section.newPath]).filter((file): file is string => file !== null))];
  const reportFile = input.spec.test.report.file;
  const lines = [
    '#!/usr/bin/env bash',
    'set -uo pipefail',
    'cd "${SWE_MIRROR_REPO_DIR:-$(pwd)}"',
    // The environment swe-mirror's own runs had (as a container's: no byte-code files, so a second run in the same
    // tree never reads a .pyc older than a same-size edit made within the same second), minus the spec's unsetEnv.
    ...Object.entries(buildContainerEnvironment(input.spec.env, input.spec.unsetEnv)).map(([key, value]) => `export ${key}=${quote(value)}`),
    ...input.spec.unsetEnv.map((name) => `unset ${quote(name)}`),
    'if [ "${SWE_MIRROR_FROM_GYM_COMMIT:-0}" = "1" ]; then',
    `  git checkout -q -f ${input.gymCommit} && git clean -fdq`,
    withHeredoc('  git apply --whitespace=nowarn -', 'SWE_MIRROR_MIRROR_PATCH', input.mirrorPatch),
    'fi',
    // Files the test patch touches go back to the buggy state before it applies; new ones are removed.
    ...testFiles.map((file) => restoreTestFile(file, input.baseCommit, input.gymCommit)),
    withHeredoc('git apply --whitespace=nowarn -', 'SWE_MIRROR_TEST_PATCH', input.testPatch, ' || { echo "test patch did not apply"; exit 2; }'),
    ...(reportFile ? [`rm -f ${quote(reportFile)}`] : []),
    `echo ${quote(TEST_OUTPUT_START)}`,
    `bash -c ${quote(input.spec.test.command)}`,
    'status=$?',
    // The report file inside the test-output markers, so a harness that reads only that section sees it.
    ...(reportFile
      ? [`echo ${quote(REPORT_START)}`, `cat ${quote(reportFile)} 2>/dev/null || true`, 'echo', `echo ${quote(REPORT_END)}`]
      : []),
    // $? is the tests' status again right before the end marker: swebench 5 records `$?` at exactly that point.
    '(exit "$status")',
    `echo ${quote(TEST_OUTPUT_END)}`,
    'echo "swe-mirror test exit code: $status"',
    ...testFiles.map((file) => restoreTestFile(file, input.baseCommit, input.gymCommit)),
    'exit 0',
  ];
  return `${lines.join('\n')}\n`;
}

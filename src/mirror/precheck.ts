import type { Language } from '../config/gym-spec.js';
import type { ProcessResult, Runtime } from '../core/process.js';
import { gymRunOptions } from '../gym/gym-environment.js';
import { resolveGymRuntime } from '../gym/gym-runtime.js';
import { quoteForShell } from '../gym/run-suite.js';
import type { PreparedGym } from '../gym/types.js';
import { normalizeOutput } from '../reports/output-text.js';


/**
 * The cheap compile/syntax check for a language, as a shell command, or undefined when there is none
 * for the touched files. TypeScript's check runs only when the gym has a tsconfig and a local tsc.
 */
export function defaultPrecheckCommand(language: Language, touchedFiles: string[]): string | undefined {
  const quoted = (pattern: RegExp): string[] => touchedFiles.filter((file) => pattern.test(file)).map(quoteForShell);
  switch (language) {
    case 'python': {
      const files = quoted(/\.pyi?$/);
      return files.length > 0 ? `python -m py_compile ${files.join(' ')}` : undefined;
    }
    case 'javascript': {
      const files = quoted(/\.(js|mjs|cjs)$/);
      return files.length > 0 ? `for file in ${files.join(' ')}; do node --check "$file" || exit 1; done` : undefined;
    }
    case 'typescript': {
      const scripts = quoted(/\.(js|mjs|cjs)$/);
      const syntax = scripts.length > 0 ? `for file in ${scripts.join(' ')}; do node --check "$file" || exit 1; done; ` : '';
      return `${syntax}if [ -f tsconfig.json ] && [ -x node_modules/.bin/tsc ]; then node_modules/.bin/tsc --noEmit; fi`;
    }
    case 'go':
      return 'go vet ./...';
    case 'rust':
      return 'cargo check --tests --offline --quiet';
  }
}

export interface PrecheckResult {
  command: string | undefined;
  passed: boolean;
  process?: ProcessResult;
}

/**
 * Blank out what changes from run to run (durations, temp paths, addresses), so that feedback built
 * from the same failure is the same text: a rerun's request hashes then match the response cache.
 */
export function withoutVolatileDetails(text: string): string {
  return text
    .replace(/\b\d+(?:\.\d+)?\s?(?:ms|s|sec|seconds|µs|us)\b/g, '<time>')
    .replace(/\b\d{1,2}:\d{2}:\d{2}(?:\.\d+)?\b/g, '<clock>')
    .replace(/\/tmp\/[^\s'":)]+/g, '<tmp>')
    .replace(/\b0x[0-9a-f]{6,}\b/gi, '<address>');
}

/** Run the gym's pre-check (its spec's, else the language default) in the sandbox, in `workdir`. */
export async function runPrecheck(gym: PreparedGym, runtime: Runtime, workdir: string, touchedFiles: string[]): Promise<PrecheckResult> {
  const command = gym.spec.precheck ?? defaultPrecheckCommand(gym.spec.language, touchedFiles);
  if (command === undefined) return { command, passed: true };
  // A docker gym's pre-check runs in a container of its image, like its suite (the host tree has no install artefacts).
  const gymRuntime = await resolveGymRuntime(gym, runtime);
  const result = await gymRuntime.run(['bash', '-c', command], gymRunOptions(gym, workdir, gymRuntime));
  return { command, passed: result.exitCode === 0 && !result.timedOut, process: result };
}

/**
 * Runner text made fit for feedback: no ANSI codes (a model cannot read them; tsc `pretty` and jest colour
 * everything), LF line ends, the working copy said as `.` (it differs between parallel slots), and no
 * volatile details, so the same failure gives the same feedback text.
 */
export function cleanFeedbackText(text: string, cwd?: string): string {
  let cleaned = normalizeOutput(text).trim();
  if (cwd) cleaned = cleaned.split(cwd).join('.');
  return withoutVolatileDetails(cleaned);
}

/** The last lines of a process's output, for feedback. */
export function outputTail(result: Pick<ProcessResult, 'stdout' | 'stderr'> & { cwd?: string }, lineCount = 40): string {
  const lines = cleanFeedbackText(`${result.stdout}\n${result.stderr}`, result.cwd).split('\n');
  return lines.slice(-lineCount).join('\n');
}

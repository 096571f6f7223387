import type { ReportFormat } from '../core/tests.js';

/**
 * The swebench 5 parser that reads a gym's eval log into the ids the record lists. Only pytest's `-rA` output has a
 * stock parser that keeps swe-mirror's ids (`parse_log_pytest`), and only while no id contains whitespace (it splits
 * lines on spaces). Every other case names a parser that python/swe_mirror_swebench.py registers with swebench,
 * which calls swe-mirror's own parser (`swe-mirror parse-log`).
 */
export function swebenchLogParser(format: ReportFormat, testIds: readonly string[]): string {
  if (format === 'pytest-ra' && testIds.every((id) => !/\s/.test(id))) return 'parse_log_pytest';
  return `swe_mirror_${format.replace(/-/g, '_')}`;
}

/**
 * The image swebench runs the task in: the gym's own image when the spec names one, else the name swebench derives for
 * an instance (`sweb.eval.x86_64.<id>`, `__` spelled `_1776_`) under the `swe-mirror` namespace. swe-mirror builds no
 * such image yet: a harness run needs it built from the gym (install commands at the gym commit, then the bundle's
 * base_commit checked out in /testbed).
 */
export function swebenchImage(gymImage: string | undefined, instanceId: string): string {
  if (gymImage) return gymImage;
  return `swe-mirror/sweb.eval.x86_64.${instanceId}:latest`.toLowerCase().replace(/__/g, '_1776_');
}

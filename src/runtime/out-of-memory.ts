/** Messages runtimes print when an allocation fails under a memory limit. */
const OUT_OF_MEMORY_PATTERNS: RegExp[] = [
  /Cannot allocate memory/,
  /JavaScript heap out of memory/,
  /Fatal process out of memory/i,
  /Array buffer allocation failed/,
  /^MemoryError\b/m,
  /\bMemoryError$/m,
  /fatal error: runtime: out of memory/,
  /memory allocation of \d+ bytes failed/,
  /std::bad_alloc/,
];

const SCANNED_TAIL_CHARACTERS = 64 * 1024;

/** Whether a failed run's output shows that it ran out of memory (only the tail is scanned). */
export function looksOutOfMemory(exitCode: number | null, stdout: string, stderr: string): boolean {
  if (exitCode === 0) return false;
  const tail = stderr.slice(-SCANNED_TAIL_CHARACTERS) + '\n' + stdout.slice(-SCANNED_TAIL_CHARACTERS);
  return OUT_OF_MEMORY_PATTERNS.some((pattern) => pattern.test(tail));
}

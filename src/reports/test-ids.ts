import type { TestStatus, TestStatusMap } from '../core/tests.js';
import { normalizeOutput } from './output-text.js';

type ReportedStatus = Exclude<TestStatus, 'NONE'>;

/** How a recorder treats an id it has already seen. */
export type RepeatPolicy =
  /** A new test that happens to share a name: keep both, the later ones as `name [2]`, `name [3]`. */
  | 'disambiguate'
  /** The same test reported twice (pytest call + teardown): keep one entry, FAILED beats PASSED beats SKIPPED. */
  | 'merge';

const STATUS_WEIGHT: Record<ReportedStatus, number> = { SKIPPED: 0, PASSED: 1, FAILED: 2 };

/** Bounds on failure messages: enough to act on, never a whole log (a suite can fail 100,000 tests). */
const MESSAGE_LINE_LIMIT = 20;
const MESSAGE_CHARACTER_LIMIT = 1_500;
const MESSAGE_COUNT_LIMIT = 1_000;
const STACK_FRAME = /^\s+at \S/;

/** A failure message as stored: ANSI-free, blank lines collapsed, at most 20 lines and 1,500 characters. */
export function boundFailureMessage(text: string): string {
  // One stack frame says where; the rest (runner internals) only pushes the message out of the bound.
  const lines = normalizeOutput(text)
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line, index, all) => !(STACK_FRAME.test(line) && STACK_FRAME.test(all[index - 1] ?? '')))
    .filter((line, index, all) => line !== '' || (index > 0 && all[index - 1] !== ''));
  while (lines.length > 0 && lines[0] === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  let bounded = lines.slice(0, MESSAGE_LINE_LIMIT).join('\n');
  if (bounded.length > MESSAGE_CHARACTER_LIMIT) bounded = bounded.slice(0, MESSAGE_CHARACTER_LIMIT);
  return lines.length > MESSAGE_LINE_LIMIT || bounded.length < lines.join('\n').length ? `${bounded}\n...` : bounded;
}

/**
 * Collects test results in order of appearance and resolves repeated ids deterministically,
 * so the same test gets the same id in every state of a task.
 */
export class TestIdRecorder {
  /** The recorded statuses, in order of appearance. */
  readonly tests: TestStatusMap = {};
  /** Failure messages of failed tests, by the id they were stored under (see `boundFailureMessage`). */
  readonly failureMessages: Record<string, string> = {};
  private messageCount = 0;
  private readonly seenCounts = new Map<string, number>();
  private repeatedIds = 0;
  private count = 0;

  constructor(private readonly policy: RepeatPolicy = 'disambiguate') {}

  /** Records one result (with its failure message, kept only for a FAILED one); returns the id it was stored under. */
  record(id: string, status: ReportedStatus, failureMessage?: string): string {
    const stored = this.recordStatus(id, status);
    if (status === 'FAILED' && failureMessage !== undefined) this.addFailureMessage(stored, failureMessage);
    return stored;
  }

  private addFailureMessage(id: string, message: string): void {
    if (this.messageCount >= MESSAGE_COUNT_LIMIT || Object.hasOwn(this.failureMessages, id)) return;
    const bounded = boundFailureMessage(message);
    if (bounded === '') return;
    Object.defineProperty(this.failureMessages, id, { value: bounded, enumerable: true, writable: true, configurable: true });
    this.messageCount += 1;
  }

  private recordStatus(id: string, status: ReportedStatus): string {
    const previous = Object.hasOwn(this.tests, id) ? this.tests[id] : undefined;
    if (previous === undefined) {
      this.store(id, status);
      this.count += 1;
      return id;
    }
    if (this.policy === 'merge') {
      if (STATUS_WEIGHT[status] > STATUS_WEIGHT[previous]) this.store(id, status);
      return id;
    }
    this.repeatedIds += 1;
    let occurrence = (this.seenCounts.get(id) ?? 1) + 1;
    let candidate = `${id} [${occurrence}]`;
    // A real test may already be called `name [2]`; skip past it rather than overwrite it.
    while (Object.hasOwn(this.tests, candidate)) {
      occurrence += 1;
      candidate = `${id} [${occurrence}]`;
    }
    this.seenCounts.set(id, occurrence);
    this.store(candidate, status);
    this.count += 1;
    return candidate;
  }

  // A plain object (faster than a Map plus a copy at 100,000 tests); `__proto__` needs defineProperty.
  private store(id: string, status: ReportedStatus): void {
    if (id === '__proto__') Object.defineProperty(this.tests, id, { value: status, enumerable: true, writable: true, configurable: true });
    else this.tests[id] = status;
  }

  get size(): number {
    return this.count;
  }

  /** A warning describing how many repeated ids were disambiguated, or undefined when none were. */
  describeRepeats(): string | undefined {
    if (this.repeatedIds === 0) return undefined;
    return `${this.repeatedIds} test id(s) repeated; later occurrences were numbered by order of appearance ("name [2]", "name [3]")`;
  }
}

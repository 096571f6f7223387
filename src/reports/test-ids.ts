import type { TestStatus, TestStatusMap } from '../core/tests.js';

type ReportedStatus = Exclude<TestStatus, 'NONE'>;

/** How a recorder treats an id it has already seen. */
export type RepeatPolicy =
  /** A new test that happens to share a name: keep both, the later ones as `name [2]`, `name [3]`. */
  | 'disambiguate'
  /** The same test reported twice (pytest call + teardown): keep one entry, FAILED beats PASSED beats SKIPPED. */
  | 'merge';

const STATUS_WEIGHT: Record<ReportedStatus, number> = { SKIPPED: 0, PASSED: 1, FAILED: 2 };

/**
 * Collects test results in order of appearance and resolves repeated ids deterministically,
 * so the same test gets the same id in every state of a task.
 */
export class TestIdRecorder {
  /** The recorded statuses, in order of appearance. */
  readonly tests: TestStatusMap = {};
  private readonly seenCounts = new Map<string, number>();
  private repeatedIds = 0;
  private count = 0;

  constructor(private readonly policy: RepeatPolicy = 'disambiguate') {}

  /** Records one result; returns the id it was stored under. */
  record(id: string, status: ReportedStatus): string {
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

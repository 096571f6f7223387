import { describe, expect, it } from 'vitest';
import { ProgressCounts, formatQueueLine } from '../../src/pipeline/progress-lines.js';

describe('live view: the queue line of a queue run', () => {
  it('keeps the latest counts of each queue and lays them out in one line that fits the width', () => {
    const progress = new ProgressCounts();
    progress.apply({ type: 'queue-counts', queue: 'swe-mirror:mirror', counts: { waiting: 5, active: 2, delayed: 0, completed: 0, failed: 0 } });
    progress.apply({ type: 'queue-counts', queue: 'swe-mirror:mirror', counts: { waiting: 3, active: 2, delayed: 1, completed: 1, failed: 1 } });
    expect([...progress.queues.keys()]).toEqual(['swe-mirror:mirror']);
    expect(formatQueueLine(progress.queues, 200)).toBe('queue   swe-mirror:mirror: 3 waiting, 2 active, 1 retrying, 1 completed, 1 failed');
    progress.apply({ type: 'queue-counts', queue: 'swe-mirror:mirror', counts: { waiting: 0, active: 1, delayed: 0, completed: 0, failed: 1 } });
    expect(formatQueueLine(progress.queues, 200)).toBe('queue   swe-mirror:mirror: 0 waiting, 1 active, 0 completed, 1 failed');
    expect(formatQueueLine(progress.queues, 30)).toHaveLength(30);
  });
});

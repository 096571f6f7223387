import { describe, expect, it } from 'vitest';
import type { PipelineEvent } from '../../src/pipeline/events.js';
import { ProgressCounts, estimateRemainingMs, formatDuration, formatStageLine, formatUsageLine, wrapText } from '../../src/pipeline/progress-lines.js';

const T0 = 1_000_000;

function countsAfter(events: Array<[number, PipelineEvent]>): ProgressCounts {
  const progress = new ProgressCounts();
  for (const [at, event] of events) progress.apply(event, T0 + at);
  return progress;
}

describe('live view lines', () => {
  it('shows no ETA before anything finished, nor at the very start, and a real one afterwards', () => {
    const progress = countsAfter([
      [0, { type: 'stage-start', stage: 'mirror', total: 4 }],
      [0, { type: 'item-start', stage: 'mirror', item: 'a' }],
    ]);
    const counts = progress.stages.get('mirror')!;
    expect(estimateRemainingMs(counts, T0 + 10_000)).toBeUndefined();
    const early = formatStageLine('mirror', counts, { now: T0 + 10_000, width: 100 });
    expect(early).not.toMatch(/ETA|NaN|Infinity|NULL|INF|LLs|NFs/);
    expect(early).toContain('running 1');

    progress.apply({ type: 'item-done', stage: 'mirror', item: 'a', outcome: 'ok' }, T0 + 10_000);
    expect(estimateRemainingMs(counts, T0 + 10_000)).toBe(30_000);
    expect(formatStageLine('mirror', counts, { now: T0 + 10_000, width: 100 })).toMatch(/1\/4 +ETA 30s +6\.0\/min$/);
  });

  it('completes a stage that reports no items (dedup, export) and freezes its time and rate at stage-done', () => {
    const progress = countsAfter([
      [0, { type: 'stage-start', stage: 'dedup', total: 1 }],
      [1500, { type: 'stage-done', stage: 'dedup', summary: '0 duplicates removed' }],
      [0, { type: 'stage-start', stage: 'mirror', total: 2 }],
      [0, { type: 'item-start', stage: 'mirror', item: 'a' }],
      [3000, { type: 'item-done', stage: 'mirror', item: 'a', outcome: 'ok' }],
      [4000, { type: 'stage-done', stage: 'mirror', summary: '1/2 verified, 1 left pending' }],
    ]);
    const dedup = formatStageLine('dedup', progress.stages.get('dedup')!, { now: T0 + 60_000, width: 100 });
    expect(dedup).toMatch(/^dedup +\[#{24}\] 1\/1 +done in 2s +40\.0\/min$/);
    // An item left pending keeps the honest count; the time and rate are those at stage-done, not a minute later.
    const mirror = formatStageLine('mirror', progress.stages.get('mirror')!, { now: T0 + 60_000, width: 100 });
    expect(mirror).toMatch(/^mirror +\[#{12}-{12}\] 1\/2 +done in 4s +15\.0\/min$/);
    expect(formatStageLine('mirror', progress.stages.get('mirror')!, { now: T0 + 3_600_000, width: 100 })).toBe(mirror);
  });

  it('fits every line into the terminal width, dropping the rate and the timing before the counts', () => {
    const progress = countsAfter([
      [0, { type: 'stage-start', stage: 'filter', total: 1200 }],
      ...Array.from({ length: 300 }, (_, index): [number, PipelineEvent] => [index * 100, { type: 'item-done', stage: 'filter', item: `i${index}`, outcome: index % 3 === 0 ? 'lost' : 'ok' }]),
      [40_000, { type: 'item-start', stage: 'filter', item: 'x' }],
    ]);
    const counts = progress.stages.get('filter')!;
    for (const width of [120, 80, 60, 45, 30, 12]) {
      const line = formatStageLine('filter', counts, { now: T0 + 40_000, width });
      expect(line.length, `${width}: ${line}`).toBeLessThanOrEqual(width);
      expect(line).toContain(width >= 30 ? ' 300/1200' : 'filter');
    }
    expect(formatStageLine('filter', counts, { now: T0 + 40_000, width: 120 })).toMatch(/300\/1200 +running 1 +lost 100 +ETA 2m00s +450\.0\/min$/);
    expect(formatStageLine('filter', counts, { now: T0 + 40_000, width: 60 })).toMatch(/300\/1200 +running 1 +lost 100 +ETA 2m00s$/);
    expect(formatUsageLine(progress, 30).length).toBeLessThanOrEqual(30);
  });

  it('formats durations and wraps failure details in full', () => {
    expect([450, 42_000, 185_000, 3_720_000].map(formatDuration)).toEqual(['450ms', '42s', '3m05s', '1h02m']);
    const detail = 'MODEL_ENDPOINT_DOWN: the model endpoint http://localhost:8000/v1 answered 503 five times in a row; check the server';
    const wrapped = wrapText(detail, 40);
    expect(wrapped.every((line) => line.length <= 40 && line.startsWith('    '))).toBe(true);
    expect(wrapped.map((line) => line.trim()).join(' ')).toBe(detail);
  });
});

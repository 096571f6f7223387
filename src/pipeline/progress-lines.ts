import type { PipelineEvent, PipelineStage, QueueCounts } from './events.js';

/** What a progress view knows about one stage. */
export interface StageCounts {
  total: number;
  done: number;
  inFlight: number;
  lost: number;
  failed: number;
  startedAt: number;
  /** Set at stage-done: rates and durations stop moving from then on. */
  finishedAt?: number;
  /** Whether the stage reported its items one by one (dedup and export report only start and done). */
  hasItemEvents: boolean;
}

/** Counts per stage and model usage, built from pipeline events; pure bookkeeping, no output. */
export class ProgressCounts {
  readonly stages = new Map<PipelineStage, StageCounts>();
  tokens = 0;
  costUsd = 0;
  modelCalls = 0;
  cachedCalls = 0;
  /** Spend recorded before this run (a resumed run's earlier calls) and the whole-run cap, from the `budget` event. */
  spentBeforeUsd = 0;
  maxCostUsd: number | undefined;
  /** This run's spend per stage: calls are counted against the stage that was running (stages run one after another). */
  readonly costByStage = new Map<PipelineStage, number>();
  private currentStage: PipelineStage | undefined;
  /** The latest job counts of each queue a queue run reported, by queue name. */
  readonly queues = new Map<string, QueueCounts>();

  /** Apply one event; `now` is injectable so the arithmetic is testable. */
  apply(event: PipelineEvent, now = Date.now()): StageCounts | undefined {
    if (event.type === 'model-usage') {
      this.tokens += event.inputTokens + event.outputTokens;
      this.costUsd += event.costUsd;
      this.modelCalls += 1;
      if (event.cached) this.cachedCalls += 1;
      if (this.currentStage) this.costByStage.set(this.currentStage, (this.costByStage.get(this.currentStage) ?? 0) + event.costUsd);
      return undefined;
    }
    if (event.type === 'budget') {
      this.spentBeforeUsd = event.spentUsd;
      this.maxCostUsd = event.maxCostUsd;
      return undefined;
    }
    if (event.type === 'queue-counts') {
      this.queues.set(event.queue, event.counts);
      return undefined;
    }
    if (event.type === 'notice' || event.type === 'summary') return undefined;
    if (event.type === 'stage-start') {
      this.currentStage = event.stage;
      const counts: StageCounts = { total: event.total, done: 0, inFlight: 0, lost: 0, failed: 0, startedAt: now, hasItemEvents: false };
      this.stages.set(event.stage, counts);
      return counts;
    }
    const counts = this.stages.get(event.stage);
    if (!counts) return undefined;
    if (event.type === 'item-start') {
      counts.hasItemEvents = true;
      counts.inFlight += 1;
    }
    if (event.type === 'item-done') {
      counts.hasItemEvents = true;
      counts.inFlight = Math.max(0, counts.inFlight - 1);
      counts.done += 1;
      if (event.outcome === 'lost') counts.lost += 1;
      if (event.outcome === 'failed') counts.failed += 1;
    }
    if (event.type === 'stage-done') {
      counts.finishedAt = now;
      counts.inFlight = 0;
      // A stage without item events did its one unit of work; one with items keeps its honest count.
      if (!counts.hasItemEvents) counts.done = Math.max(counts.done, counts.total);
    }
    return counts;
  }
}

/**
 * The projected cost of what is left of the running stages: each stage's spend per finished item times the items
 * it has left (undefined until an item of a stage that spends has finished). Later stages are not foreseen here;
 * `run --estimate` prices a whole run before it starts (docs/budgets.md).
 */
export function projectRemainingCostUsd(progress: ProgressCounts): number | undefined {
  let projected: number | undefined;
  for (const [stage, cost] of progress.costByStage) {
    const counts = progress.stages.get(stage);
    if (!counts || counts.finishedAt !== undefined || counts.done === 0 || cost === 0) continue;
    projected = (projected ?? 0) + (cost / counts.done) * Math.max(counts.total - counts.done, 0);
  }
  return projected;
}

/** A short duration: `850ms`, `42s`, `3m05s`, `1h02m`. */
export function formatDuration(milliseconds: number): string {
  if (!Number.isFinite(milliseconds) || milliseconds < 0) return '?';
  if (milliseconds < 1000) return `${Math.round(milliseconds)}ms`;
  const seconds = Math.round(milliseconds / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** Below this much elapsed time or this few finished items an ETA is noise, so none is shown. */
const ETA_MINIMUM_ELAPSED_MS = 2000;
const ETA_MINIMUM_DONE = 1;

/** The estimated time left, or undefined when there is nothing meaningful to say (not started, finished, too early). */
export function estimateRemainingMs(counts: StageCounts, now: number): number | undefined {
  if (counts.finishedAt !== undefined || counts.done >= counts.total) return undefined;
  const elapsed = now - counts.startedAt;
  if (counts.done < ETA_MINIMUM_DONE || elapsed < ETA_MINIMUM_ELAPSED_MS) return undefined;
  return (elapsed / counts.done) * (counts.total - counts.done);
}

function drawBar(fraction: number, width: number): string {
  const filled = Math.round(Math.min(Math.max(fraction, 0), 1) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

const BAR_WIDTH = { widest: 24, narrowest: 8 };

/**
 * One stage as one line of at most `width` columns (ASCII only, so characters are columns). Optional parts are
 * dropped, least useful first, until it fits: the rate, then the counts that are zero are never shown anyway.
 */
export function formatStageLine(stage: PipelineStage, counts: StageCounts, options: { now: number; width: number }): string {
  const isFinished = counts.finishedAt !== undefined;
  const elapsed = (counts.finishedAt ?? options.now) - counts.startedAt;
  const total = Math.max(counts.total, counts.done);
  const fraction = total === 0 ? (isFinished ? 1 : 0) : counts.done / total;
  const head = stage.padEnd(7);
  const tally = `${String(counts.done).padStart(String(total).length)}/${total}`;
  const essentials = [
    ...(counts.inFlight > 0 ? [`running ${counts.inFlight}`] : []),
    ...(counts.lost > 0 ? [`lost ${counts.lost}`] : []),
    ...(counts.failed > 0 ? [`failed ${counts.failed}`] : []),
  ];
  const remaining = estimateRemainingMs(counts, options.now);
  const timing = isFinished ? `done in ${formatDuration(elapsed)}` : remaining === undefined ? `${formatDuration(elapsed)}` : `ETA ${formatDuration(remaining)}`;
  const rate = counts.done > 0 && elapsed >= 1000 ? `${((counts.done / elapsed) * 60_000).toFixed(1)}/min` : undefined;
  const candidates = [
    [...essentials, timing, ...(rate ? [rate] : [])],
    [...essentials, timing],
    essentials,
    [],
  ];
  for (const parts of candidates) {
    const tail = [tally, ...parts].join('  ');
    const room = options.width - head.length - tail.length - 2;
    if (room >= BAR_WIDTH.narrowest + 2) return `${head} ${drawBar(fraction, Math.min(BAR_WIDTH.widest, room - 2))} ${tail}`;
  }
  return `${head} ${tally}`.slice(0, Math.max(options.width, 1));
}

/** The model-usage line under the bars. */
export function formatUsageLine(progress: ProgressCounts, width: number): string {
  const cached = progress.cachedCalls > 0 ? ` (${progress.cachedCalls} cached)` : '';
  const spent = progress.spentBeforeUsd + progress.costUsd;
  const cap = progress.maxCostUsd === undefined ? '' : ` of $${progress.maxCostUsd.toFixed(2)}`;
  const earlier = progress.spentBeforeUsd > 0 ? ` (${`$${progress.spentBeforeUsd.toFixed(4)}`} in earlier runs)` : '';
  const projected = projectRemainingCostUsd(progress);
  const left = projected === undefined ? '' : `  ~$${projected.toFixed(4)} to finish`;
  const line = `model   ${progress.modelCalls} calls${cached}  ${progress.tokens.toLocaleString('en-US')} tokens  $${spent.toFixed(4)}${cap} spent${earlier}${left}`;
  return line.length <= width ? line : line.slice(0, Math.max(width, 1));
}

/** The queue line of the live view: each queue's waiting, active, delayed, done-not-yet-written and failed jobs. */
export function formatQueueLine(queues: ReadonlyMap<string, QueueCounts>, width: number): string {
  const parts = [...queues].map(([name, counts]) => `${name}: ${counts.waiting} waiting, ${counts.active} active${counts.delayed > 0 ? `, ${counts.delayed} retrying` : ''}, ${counts.completed} completed, ${counts.failed} failed`);
  const line = `queue   ${parts.join(' · ')}`;
  return line.length <= width ? line : line.slice(0, Math.max(width, 1));
}

/** Wrap text to `width` columns, continuation lines indented; for failure details, which must stay readable in full. */
export function wrapText(text: string, width: number, indent = '    '): string[] {
  const room = Math.max(width - indent.length, 20);
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/ +/)) {
      if (line !== '' && line.length + 1 + word.length > room) {
        lines.push(line);
        line = '';
      }
      let rest = word;
      while (rest.length > room) {
        if (line !== '') lines.push(line);
        lines.push(rest.slice(0, room));
        line = '';
        rest = rest.slice(room);
      }
      line = line === '' ? rest : `${line} ${rest}`;
    }
    lines.push(line);
  }
  return lines.map((line) => `${indent}${line}`);
}

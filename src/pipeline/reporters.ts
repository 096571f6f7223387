import cliProgress from 'cli-progress';
import { PIPELINE_STAGES, type PipelineEvent, type PipelineReporter, type PipelineStage } from './events.js';

interface StageCounts {
  total: number;
  done: number;
  inFlight: number;
  lost: number;
  failed: number;
  startedAt: number;
}

/** Tracks counts per stage and model usage; shared by every reporter. */
class Progress {
  readonly stages = new Map<PipelineStage, StageCounts>();
  tokens = 0;
  costUsd = 0;

  apply(event: PipelineEvent): StageCounts | undefined {
    if (event.type === 'model-usage') {
      this.tokens += event.inputTokens + event.outputTokens;
      this.costUsd += event.costUsd;
      return undefined;
    }
    if (event.type === 'notice') return undefined;
    if (event.type === 'stage-start') {
      const counts = { total: event.total, done: 0, inFlight: 0, lost: 0, failed: 0, startedAt: Date.now() };
      this.stages.set(event.stage, counts);
      return counts;
    }
    const counts = this.stages.get(event.stage);
    if (!counts) return undefined;
    if (event.type === 'item-start') counts.inFlight += 1;
    if (event.type === 'item-done') {
      counts.inFlight = Math.max(0, counts.inFlight - 1);
      counts.done += 1;
      if (event.outcome === 'lost') counts.lost += 1;
      if (event.outcome === 'failed') counts.failed += 1;
    }
    return counts;
  }
}

function describeEvent(event: PipelineEvent): string | undefined {
  switch (event.type) {
    case 'stage-start':
      return `[${event.stage}] start (${event.total} to do)`;
    case 'item-done':
      return `[${event.stage}] ${event.item}: ${event.outcome}${event.detail ? ` (${event.detail})` : ''}`;
    case 'stage-done':
      return `[${event.stage}] done: ${event.summary}`;
    case 'notice':
      return event.message;
    default:
      return undefined;
  }
}

/** One line per finished item and stage, for logs and pipes. */
export function createPlainReporter(write: (text: string) => void): PipelineReporter {
  return {
    onEvent(event) {
      const line = describeEvent(event);
      if (line) write(`${line}\n`);
    },
    close() {},
  };
}

/** One JSON object per event, for other programs. */
export function createNdjsonReporter(write: (text: string) => void): PipelineReporter {
  return {
    onEvent(event) {
      write(`${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`);
    },
    close() {},
  };
}

/** A live terminal view: one bar per stage with done / in flight / lost / failed, rate, ETA, tokens and cost. */
export function createLiveReporter(stream: NodeJS.WriteStream): PipelineReporter {
  const progress = new Progress();
  const multibar = new cliProgress.MultiBar(
    {
      stream,
      clearOnComplete: false,
      hideCursor: true,
      format: '{stage} |{bar}| {value}/{total} in flight {inFlight} lost {lost} failed {failed} {rate}/min ETA {eta_formatted} | {tokens} tok ${cost}',
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<PipelineStage, cliProgress.SingleBar>();
  const payload = (stage: PipelineStage, counts: StageCounts) => {
    const minutes = Math.max((Date.now() - counts.startedAt) / 60_000, 1 / 60);
    return {
      stage: stage.padEnd(7),
      inFlight: counts.inFlight,
      lost: counts.lost,
      failed: counts.failed,
      rate: (counts.done / minutes).toFixed(1),
      tokens: progress.tokens,
      cost: progress.costUsd.toFixed(4),
    };
  };
  return {
    onEvent(event) {
      const counts = progress.apply(event);
      if (event.type === 'notice') {
        multibar.log(`${event.message}\n`);
        return;
      }
      for (const stage of PIPELINE_STAGES) {
        const stageCounts = progress.stages.get(stage);
        if (!stageCounts) continue;
        let bar = bars.get(stage);
        if (!bar) {
          bar = multibar.create(Math.max(stageCounts.total, 1), 0, payload(stage, stageCounts));
          bars.set(stage, bar);
        }
        bar.setTotal(Math.max(stageCounts.total, stageCounts.done, 1));
        bar.update(stageCounts.done, payload(stage, stageCounts));
      }
      if (event.type === 'item-done' && event.outcome === 'failed' && counts) multibar.log(`${describeEvent(event)}\n`);
    },
    close() {
      multibar.stop();
    },
  };
}

/** Pick the reporter: live on a terminal, NDJSON when asked, plain lines otherwise. */
export function createReporter(options: { format?: 'auto' | 'plain' | 'ndjson' | 'live'; stream?: NodeJS.WriteStream } = {}): PipelineReporter {
  const stream = options.stream ?? process.stdout;
  const write = (text: string) => stream.write(text);
  const format = options.format ?? 'auto';
  if (format === 'ndjson') return createNdjsonReporter(write);
  if (format === 'live' || (format === 'auto' && stream.isTTY)) return createLiveReporter(stream);
  return createPlainReporter(write);
}

import cliProgress from 'cli-progress';
import { PIPELINE_STAGES, type PipelineEvent, type PipelineReporter, type PipelineStage } from './events.js';
import { ProgressCounts, formatQueueLine, formatStageLine, formatUsageLine, wrapText } from './progress-lines.js';

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
    case 'summary':
      return `\n${event.text}`;
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

/** Terminal width to lay lines out in: one column short of the edge, so a full line never makes the terminal wrap. */
function columnsOf(stream: NodeJS.WriteStream): number {
  return Math.max((stream.columns || 80) - 1, 20);
}

/**
 * A live terminal view: one bar per stage (done / total, running, lost, failed, time or ETA, rate), a model-usage line
 * and, in a queue run, a line of the queues' job counts,
 * each laid out to the terminal's current width; failures are printed above the bars, wrapped, in full.
 */
export function createLiveReporter(stream: NodeJS.WriteStream): PipelineReporter {
  const progress = new ProgressCounts();
  // The format function is called on every redraw, so elapsed times, ETAs and the width stay current.
  const multibar = new cliProgress.MultiBar({
    stream,
    clearOnComplete: false,
    hideCursor: true,
    linewrap: false,
    format: (_options, _params, payload: { render: () => string }) => payload.render(),
  });
  const bars = new Map<PipelineStage, cliProgress.SingleBar>();
  let usageBar: cliProgress.SingleBar | undefined;
  let queueBar: cliProgress.SingleBar | undefined;
  const redraw = () => {
    for (const stage of PIPELINE_STAGES) {
      const counts = progress.stages.get(stage);
      if (!counts) continue;
      if (!bars.has(stage)) {
        // Bars are created in stage order; the usage line is recreated so it stays last.
        for (const bar of [usageBar, queueBar]) {
          bar?.stop();
          if (bar) multibar.remove(bar);
        }
        usageBar = undefined;
        queueBar = undefined;
        bars.set(stage, multibar.create(1, 0, { render: () => formatStageLine(stage, counts, { now: Date.now(), width: columnsOf(stream) }) }));
      }
      bars.get(stage)?.update(counts.done);
    }
    usageBar ??= multibar.create(1, 0, { render: () => formatUsageLine(progress, columnsOf(stream)) });
    usageBar.update(progress.modelCalls);
    // A queue run's counts, last: shown from the first counts the coordinator reads.
    if (progress.queues.size > 0) {
      queueBar ??= multibar.create(1, 0, { render: () => formatQueueLine(progress.queues, columnsOf(stream)) });
      queueBar.update(0);
    }
  };
  return {
    onEvent(event) {
      progress.apply(event);
      if (event.type === 'notice' || event.type === 'summary') {
        if (event.type === 'notice') multibar.log(`${event.message}\n`);
        return;
      }
      if (event.type === 'item-done' && event.outcome === 'failed') {
        const lines = [`failed  [${event.stage}] ${event.item}`, ...(event.detail ? wrapText(event.detail, columnsOf(stream)) : [])];
        multibar.log(`${lines.join('\n')}\n`);
      }
      redraw();
    },
    close() {
      redraw();
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

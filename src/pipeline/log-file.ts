import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import type { PipelineEvent, PipelineReporter } from './events.js';

/**
 * A reporter that writes every pipeline event as one structured JSON line to a log file
 * (`<output>/run.log`), wrapping the reporter people see. Model and tool payloads never go here.
 */
export function withLogFile(reporter: PipelineReporter, file: string): PipelineReporter {
  mkdirSync(path.dirname(file), { recursive: true });
  const destination = pino.destination({ dest: file, append: true, sync: true });
  const logger = pino({ base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
  return {
    onEvent(event: PipelineEvent) {
      const level = event.type === 'item-done' && event.outcome === 'failed' ? 'warn' : 'info';
      logger[level](event, event.type);
      reporter.onEvent(event);
    },
    close() {
      destination.flushSync();
      reporter.close();
    },
  };
}

import type { Command } from 'commander';
import { SweMirrorError } from '../core/errors.js';
import { startViewer } from '../viewer/server.js';

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new SweMirrorError({ code: 'VIEW_BAD_PORT', kind: 'user', message: `--port ${value} is not a port number.`, hint: 'Pass 0-65535 (0 picks any free port).' });
  }
  return port;
}

export function register(program: Command): void {
  program
    .command('view')
    .description('Browse a run in a local web page (127.0.0.1 only): overview, funnel, tasks, verdicts, attempt logs; audit marks go to a side file.')
    .argument('[target]', 'output directory of a run (holding state.sqlite), or the store file', 'out/demo')
    .option('-p, --port <port>', 'port to listen on (0: any free port)', '4173')
    .option('--audit-file <file>', 'where audit marks are written (default <output>/audit-labels.jsonl)')
    .action(async (target: string, options: { port: string; auditFile?: string }) => {
      const viewer = await startViewer({ target, port: parsePort(options.port), ...(options.auditFile ? { auditPath: options.auditFile } : {}) });
      process.stdout.write(
        `swe-mirror view: ${viewer.source.storePath} (read-only)\naudit marks: ${viewer.source.auditPath}\nserving ${viewer.url}  (Ctrl-C to stop)\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void viewer.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}

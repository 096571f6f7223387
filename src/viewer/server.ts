import { createAdaptorServer } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { Hono, type Context } from 'hono';
import { SweMirrorError } from '../core/errors.js';
import { Store } from '../store/store.js';
import { readDiffStylesheet, VIEWER_SCRIPT, VIEWER_STYLESHEET } from './assets.js';
import { AUDIT_LABELS, AuditFile, renderAuditMarks, type AuditLabel } from './audit.js';
import { readOverview } from './overview-data.js';
import { layout } from './pages/layout.js';
import { filterQuery, listPage, readFilter } from './pages/list.js';
import { overviewPage } from './pages/overview.js';
import { taskPage } from './pages/task.js';
import { html } from './html.js';
import { filterChoices, listCandidates, neighbours, readCandidate } from './queries.js';
import { resolveViewerSource, type ViewerSource } from './source.js';

/** Content-Security-Policy of every page: only the viewer's own script and styles, nothing fetched from elsewhere. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export const LIST_PAGE_SIZE = 50;

export interface ViewerOptions {
  /** An output directory (with state.sqlite) or a store file. */
  target: string;
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1; the viewer is meant for this machine only. */
  host?: string;
  /** Where audit marks go; default `<output directory>/audit-labels.jsonl`. */
  auditPath?: string;
}

export interface RunningViewer {
  url: string;
  port: number;
  source: ViewerSource;
  close(): Promise<void>;
}

/** The viewer as a Hono app over a read-only store and the audit side file. */
export function createViewerApp(store: Store, source: ViewerSource, audit: AuditFile): Hono {
  const app = new Hono();
  const diffStylesheet = readDiffStylesheet();

  app.use('*', async (context, next) => {
    // DNS rebinding: only answer requests addressed to this machine by name or loopback address.
    const host = context.req.header('host') ?? '';
    if (!/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host)) return context.text('This viewer only answers requests for 127.0.0.1 or localhost.', 421);
    // Cross-site form posts: a page elsewhere must not set audit marks.
    if (context.req.method !== 'GET' && context.req.method !== 'HEAD') {
      const origin = context.req.header('origin');
      const site = context.req.header('sec-fetch-site');
      if ((origin !== undefined && origin !== `http://${host}`) || (site !== undefined && site !== 'same-origin' && site !== 'none')) {
        return context.text('Cross-origin requests are refused.', 403);
      }
    }
    await next();
    context.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    context.header('X-Content-Type-Options', 'nosniff');
    context.header('Referrer-Policy', 'same-origin'); // no-referrer would make the browser send `Origin: null` on our own form posts
    context.header('X-Frame-Options', 'DENY');
    context.header('Cache-Control', 'no-store');
  });

  app.get('/assets/viewer.css', (context) => context.body(VIEWER_STYLESHEET, 200, { 'Content-Type': 'text/css; charset=utf-8' }));
  app.get('/assets/diff2html.css', (context) => context.body(diffStylesheet, 200, { 'Content-Type': 'text/css; charset=utf-8' }));
  app.get('/assets/viewer.js', (context) => context.body(VIEWER_SCRIPT, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }));

  app.get('/favicon.ico', (context) => context.body(null, 204));

  app.get('/', async (context) => {
    const marks = await audit.read();
    return context.html(overviewPage(readOverview(store), { storePath: source.storePath, auditedCount: marks.size }));
  });

  app.get('/tasks', async (context) => {
    const filter = readFilter((key) => context.req.query(key));
    const page = Number.parseInt(context.req.query('page') ?? '1', 10);
    return context.html(
      listPage({
        page: listCandidates(store, filter, Number.isFinite(page) ? page : 1, LIST_PAGE_SIZE),
        filter,
        choices: filterChoices(store),
        marks: await audit.read(),
      }),
    );
  });

  const candidateId = (context: Context): number | undefined => {
    const id = Number(context.req.param('id'));
    return Number.isSafeInteger(id) && id > 0 ? id : undefined;
  };
  const notFound = (context: Context): Response =>
    context.html(layout({ title: 'Not found', body: html`<h1>Not found</h1><p>No such candidate. <a href="/tasks">Back to the list</a></p>`, active: 'tasks' }), 404);

  app.get('/candidates/:id', async (context) => {
    const id = candidateId(context);
    const detail = id === undefined ? undefined : readCandidate(store, id);
    if (!detail || id === undefined) return notFound(context);
    const filter = readFilter((key) => context.req.query(key));
    const marks = await audit.read();
    const mark = marks.get(detail.summary.instanceId);
    return context.html(taskPage({ detail, query: filterQuery(filter), ...neighbours(store, filter, id), ...(mark ? { mark } : {}) }));
  });

  app.post('/candidates/:id/audit', async (context) => {
    const id = candidateId(context);
    const detail = id === undefined ? undefined : readCandidate(store, id);
    if (!detail?.task) return notFound(context);
    const form = await context.req.parseBody();
    const label = typeof form.label === 'string' ? form.label : '';
    const note = typeof form.note === 'string' ? form.note.slice(0, 10_000) : '';
    if (label !== '' && !(AUDIT_LABELS as readonly string[]).includes(label)) return context.text(`label must be one of ${AUDIT_LABELS.join(', ')}`, 400);
    await audit.update(
      detail.summary.instanceId,
      label === '' ? undefined : { label: label as AuditLabel, note, gym: detail.summary.gym, source_repo: detail.source.repo, source_number: detail.source.number },
    );
    const query = filterQuery(readFilter((key) => context.req.query(key))).toString();
    return context.redirect(`/candidates/${detail.summary.id}${query ? `?${query}` : ''}#audit`, 303);
  });

  app.get('/audit-labels.jsonl', async (context) =>
    context.body(renderAuditMarks(await audit.read()).join(''), 200, { 'Content-Type': 'application/x-ndjson; charset=utf-8' }),
  );

  app.notFound((context) => notFound(context));
  app.onError((error, context) => {
    const message = error instanceof SweMirrorError ? error.message : 'Internal error while rendering this page.';
    return context.text(message, 500);
  });
  return app;
}

/** Start the viewer on 127.0.0.1: the store is opened read-only; only the audit side file is ever written. */
export async function startViewer(options: ViewerOptions): Promise<RunningViewer> {
  const source = resolveViewerSource(options.target, options.auditPath ? { auditPath: options.auditPath } : {});
  const store = Store.openReadOnly(source.storePath);
  const audit = new AuditFile(source.auditPath);
  await audit.read(); // a broken side file is reported now, not on the first page
  const app = createViewerApp(store, source, audit);
  const server = createAdaptorServer({ fetch: app.fetch });
  const host = options.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (cause) {
    store.close();
    const code = (cause as NodeJS.ErrnoException).code;
    throw new SweMirrorError({
      code: code === 'EADDRINUSE' ? 'VIEW_PORT_IN_USE' : 'VIEW_LISTEN_FAILED',
      kind: 'user',
      message: `Cannot listen on ${host}:${options.port ?? 0}: ${(cause as Error).message}`,
      hint: code === 'EADDRINUSE' ? 'Pick another --port, or 0 for any free one.' : 'Check --host and --port.',
      cause,
    });
  }
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    port,
    source,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          store.close();
          resolve();
        });
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted reply of a stand-in model server. */
export interface ScriptedHttpResponse {
  /** Assistant text; an array gives one choice per text (OpenAI protocol). */
  text?: string | string[];
  /** HTTP status; default 200. An error status without `body` gets an error body in the protocol's shape. */
  status?: number;
  /** Raw body: a string is sent verbatim (for garbage), anything else as JSON. Wins over `text`. */
  body?: unknown;
  /** Extra headers, e.g. `{ 'retry-after': '0.2' }`. */
  headers?: Record<string, string>;
  /** Wait this long before answering (longer than the client timeout simulates a hang). */
  delayMs?: number;
  /** Reported usage; default: estimated from the lengths. */
  usage?: { inputTokens: number; outputTokens: number };
  /** Model name to report; default: the one requested. */
  model?: string;
}

/** Replies in order (a string is shorthand for `{ text }`), or a function of the parsed request body and its index. */
export type ScriptedHttpResponses = Array<ScriptedHttpResponse | string> | ((body: unknown, index: number) => ScriptedHttpResponse | string);

/** One request the stand-in server received. */
export interface ScriptedHttpRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  /** Milliseconds since the epoch. */
  receivedAt: number;
}

export interface ScriptedServer {
  /** Base URL to give the matching adapter. */
  url: string;
  requests: ScriptedHttpRequest[];
  close(): Promise<void>;
}

/** How a protocol turns a scripted reply into a body. */
export interface ScriptedProtocol {
  routes: readonly string[];
  /** Appended to the origin to form `url`. */
  urlSuffix: string;
  renderSuccess(response: ScriptedHttpResponse, requestBody: unknown, index: number): unknown;
  renderError(status: number, message: string): unknown;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Start a real HTTP server on 127.0.0.1 (a free port) that answers a model protocol from a script. */
export async function startScriptedHttpServer(protocol: ScriptedProtocol, responses: ScriptedHttpResponses): Promise<ScriptedServer> {
  const requests: ScriptedHttpRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let chatIndex = 0;

  const send = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    if (response.destroyed || response.writableEnded) return;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(text);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const raw = await readBody(request);
    const pathname = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (request.method !== 'POST' || !protocol.routes.includes(pathname)) {
      send(response, 404, protocol.renderError(404, `no route ${request.method} ${pathname}`));
      return;
    }
    let body: unknown = raw;
    try {
      body = JSON.parse(raw);
    } catch {
      // keep the raw text
    }
    requests.push({ method: request.method, path: pathname, headers: request.headers, body, receivedAt: Date.now() });
    const index = chatIndex;
    chatIndex += 1;
    const scripted = typeof responses === 'function' ? responses(body, index) : responses[index];
    if (scripted === undefined) {
      send(response, 400, protocol.renderError(400, `the scripted server has no response #${index + 1} (it was given ${Array.isArray(responses) ? responses.length : 0})`));
      return;
    }
    const reply: ScriptedHttpResponse = typeof scripted === 'string' ? { text: scripted } : scripted;
    if (reply.delayMs !== undefined && reply.delayMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, reply.delayMs);
        timers.add(timer);
      });
    }
    const status = reply.status ?? 200;
    const payload =
      reply.body !== undefined
        ? reply.body
        : status >= 400
          ? protocol.renderError(status, `scripted error ${status}`)
          : protocol.renderSuccess(reply, body, index);
    send(response, status, payload, reply.headers);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => send(response, 500, { error: { message: String(error) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${protocol.urlSuffix}`,
    requests,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Estimate tokens of a request's messages (4 characters a token), for default usage numbers. */
export function estimateRequestTokens(body: unknown): number {
  if (typeof body !== 'object' || body === null) return 0;
  const record = body as { messages?: unknown; system?: unknown };
  let characters = typeof record.system === 'string' ? record.system.length : 0;
  if (Array.isArray(record.messages)) {
    for (const message of record.messages) {
      const content = (message as { content?: unknown }).content;
      if (typeof content === 'string') characters += content.length;
    }
  }
  return Math.ceil(characters / 4);
}

/** The model a request body asked for. */
export function requestedModel(body: unknown): string {
  const model = typeof body === 'object' && body !== null ? (body as { model?: unknown }).model : undefined;
  return typeof model === 'string' ? model : 'scripted';
}

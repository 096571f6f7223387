import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** What the cache stores for one request: the validator and the representation. */
interface CacheEntry {
  url: string;
  etag?: string;
  lastModified?: string;
  status: number;
  headers: Record<string, string>;
  body: string;
  storedAt: number;
}

/** Counters a caller can read to report how much the cache saved. */
export interface HttpCacheStats {
  /** Requests that went over the network (304s included). */
  networkRequests: number;
  /** Network requests answered 304 Not Modified: served from the cache, free of rate limit. */
  notModified: number;
  /** Requests served from the cache without any network request (entries without a validator, still fresh). */
  servedWithoutRequest: number;
}

export interface CachingFetchOptions {
  directory: string;
  fetch?: typeof fetch;
  /** Entries without ETag/Last-Modified (GitHub's GraphQL API sends none) are reused this long without asking; default one day; 0 disables. */
  maxAgeWithoutValidatorSeconds?: number;
  /** Called with every network response's headers (rate-limit budget tracking). */
  onResponse?: (status: number, headers: Headers, request: string) => void;
}

export interface CachingFetch {
  fetch: typeof fetch;
  stats: HttpCacheStats;
}

// Headers that describe the request or connection, not the representation.
const SKIPPED_HEADERS = new Set(['set-cookie', 'content-length', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive', 'date']);

function headersOf(init: RequestInit | undefined): Headers {
  return new Headers(init?.headers);
}

function cacheKey(method: string, url: string, accept: string, body: string): string {
  return createHash('sha256').update(`${method}\n${url}\n${accept}\n${body}`).digest('hex');
}

async function readEntry(file: string): Promise<CacheEntry | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<CacheEntry>;
    if (typeof parsed.body !== 'string' || typeof parsed.status !== 'number' || typeof parsed.headers !== 'object') return undefined;
    return parsed as CacheEntry;
  } catch {
    return undefined;
  }
}

async function writeEntry(file: string, entry: CacheEntry): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, JSON.stringify(entry));
  await rename(temporary, file);
}

function responseFrom(entry: CacheEntry, url: string, freshHeaders?: Headers): Response {
  const headers = new Headers(entry.headers);
  // Rate-limit headers of a 304 are current; the cached ones are stale.
  freshHeaders?.forEach((value, name) => {
    if (name.startsWith('x-ratelimit-')) headers.set(name, value);
  });
  const response = new Response(entry.body, { status: entry.status, headers });
  Object.defineProperty(response, 'url', { value: url });
  return response;
}

/**
 * A fetch that keeps an on-disk HTTP cache keyed by method, URL, Accept and body: it sends
 * If-None-Match / If-Modified-Since and answers 304s from the cache (GitHub does not count
 * them against the rate limit), so a rerun is nearly free.
 */
export function createCachingFetch(options: CachingFetchOptions): CachingFetch {
  const baseFetch = options.fetch ?? globalThis.fetch;
  const maxAgeMs = (options.maxAgeWithoutValidatorSeconds ?? 86_400) * 1000;
  const stats: HttpCacheStats = { networkRequests: 0, notModified: 0, servedWithoutRequest: 0 };

  const cachingFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init?.method ?? 'GET').toUpperCase();
    const body = typeof init?.body === 'string' ? init.body : '';
    const isGraphQL = method === 'POST' && new URL(url).pathname.endsWith('/graphql');
    const isCacheable = method === 'GET' || (isGraphQL && body !== '');
    if (!isCacheable) {
      stats.networkRequests += 1;
      const response = await baseFetch(input, init);
      options.onResponse?.(response.status, response.headers, `${method} ${url}`);
      return response;
    }
    const headers = headersOf(init);
    const file = path.join(options.directory, ...splitKey(cacheKey(method, url, headers.get('accept') ?? '', body)));
    const entry = await readEntry(file);
    if (entry && !entry.etag && !entry.lastModified && maxAgeMs > 0 && Date.now() - entry.storedAt < maxAgeMs) {
      stats.servedWithoutRequest += 1;
      return responseFrom(entry, url);
    }
    if (entry?.etag) headers.set('if-none-match', entry.etag);
    else if (entry?.lastModified) headers.set('if-modified-since', entry.lastModified);
    stats.networkRequests += 1;
    const response = await baseFetch(url, { ...init, headers });
    options.onResponse?.(response.status, response.headers, `${method} ${url}`);
    if (response.status === 304 && entry) {
      stats.notModified += 1;
      return responseFrom(entry, url, response.headers);
    }
    if (response.status !== 200) return response;
    const text = await response.text();
    const stored: CacheEntry = { url, status: 200, headers: {}, body: text, storedAt: Date.now() };
    response.headers.forEach((value, name) => {
      if (!SKIPPED_HEADERS.has(name)) stored.headers[name] = value;
    });
    const etag = response.headers.get('etag');
    const lastModified = response.headers.get('last-modified');
    if (etag) stored.etag = etag;
    if (lastModified) stored.lastModified = lastModified;
    const isGraphQLError = isGraphQL && /"errors"\s*:/.test(text.slice(0, 200));
    if (!isGraphQLError) await writeEntry(file, stored);
    return responseFrom(stored, url);
  };
  return { fetch: cachingFetch as typeof fetch, stats };
}

function splitKey(key: string): string[] {
  return [key.slice(0, 2), `${key.slice(2)}.json`];
}

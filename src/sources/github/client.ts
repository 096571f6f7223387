import { Octokit } from 'octokit';
import { SweMirrorError } from '../../core/errors.js';
import { createCachingFetch, type HttpCacheStats } from './http-cache.js';

/** What the GitHub client reports while it works: waits, retries, the remaining API budget. */
export type GitHubEvent =
  | { type: 'rate-limit-wait'; limit: 'primary' | 'secondary'; seconds: number; request: string }
  | { type: 'retry'; status: number; attempt: number; request: string }
  | { type: 'api-budget'; remaining: number; limit: number; resetAt: Date };

export interface GitHubClientOptions {
  /** Explicit token (flag); falls back to GITHUB_TOKEN, then to the config value. */
  token?: string;
  configToken?: string;
  /** REST base URL: https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise. */
  baseUrl?: string;
  /** On-disk HTTP cache directory; none means no cache. */
  cacheDirectory?: string;
  onEvent?: (event: GitHubEvent) => void;
  /** Scales every wait (rate limits, retry back-off); tests pass a small value. Default 1. */
  waitScale?: number;
  /** How many times one request is retried after a rate limit (default 10) or a 5xx (default 3). */
  maxRateLimitRetries?: number;
  maxServerErrorRetries?: number;
  /** Reuse cached answers without validators (GraphQL) this long; default one day. */
  maxAgeWithoutValidatorSeconds?: number;
}

export interface GitHubClient {
  octokit: Octokit;
  cacheStats: HttpCacheStats;
  /** Last seen rate-limit budget, if any response carried one. */
  budget(): { remaining: number; limit: number; resetAt: Date } | undefined;
  isAuthenticated: boolean;
}

/** Resolve the token: flag, then GITHUB_TOKEN, then config; undefined means anonymous (60 requests an hour). */
export function resolveGitHubToken(flag: string | undefined, configToken: string | undefined, environment = process.env): string | undefined {
  return flag || environment.GITHUB_TOKEN || configToken || undefined;
}

function describeRequest(options: { method?: string; url?: string }, octokit?: Octokit): string {
  let url = options.url ?? '';
  try {
    // The throttling plugin hands over the route template; expand it to the real path.
    if (octokit) url = new URL(octokit.request.endpoint.parse(options as Parameters<typeof octokit.request.endpoint.parse>[0]).url).pathname;
  } catch {
    // Keep the template.
  }
  return `${options.method ?? 'GET'} ${url}`;
}

/** Build an Octokit with throttling, retries, an ETag cache and event reporting. */
export function createGitHubClient(options: GitHubClientOptions = {}): GitHubClient {
  const token = resolveGitHubToken(options.token, options.configToken);
  const baseUrl = (options.baseUrl ?? 'https://api.github.com').replace(/\/+$/, '');
  try {
    new URL(baseUrl);
  } catch (cause) {
    throw new SweMirrorError({
      code: 'GITHUB_URL_INVALID',
      kind: 'user',
      message: `GitHub API URL "${options.baseUrl ?? ''}" is not a URL.`,
      hint: 'Pass --github-url https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise.',
      cause,
    });
  }
  const waitScale = options.waitScale ?? 1;
  const maxRateLimitRetries = options.maxRateLimitRetries ?? 10;
  const maxServerErrorRetries = options.maxServerErrorRetries ?? 3;
  let budget: { remaining: number; limit: number; resetAt: Date } | undefined;
  const serverErrors = new Map<string, number>();
  const onResponse = (status: number, headers: Headers, request: string): void => {
    // Seen at the fetch level because the retry plugin retries inside every Octokit hook.
    if (status >= 500) {
      const attempt = (serverErrors.get(request) ?? 0) + 1;
      serverErrors.set(request, attempt);
      if (attempt <= maxServerErrorRetries) options.onEvent?.({ type: 'retry', status, attempt, request });
    }
    const remaining = headers.get('x-ratelimit-remaining');
    const limit = headers.get('x-ratelimit-limit');
    const reset = headers.get('x-ratelimit-reset');
    if (remaining === null || limit === null) return;
    budget = { remaining: Number(remaining), limit: Number(limit), resetAt: new Date(Number(reset ?? 0) * 1000) };
    options.onEvent?.({ type: 'api-budget', ...budget });
  };
  const caching = options.cacheDirectory
    ? createCachingFetch({ directory: options.cacheDirectory, onResponse, maxAgeWithoutValidatorSeconds: options.maxAgeWithoutValidatorSeconds })
    : undefined;
  const plainFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    onResponse(response.status, response.headers, `${init?.method ?? 'GET'} ${String(input instanceof Request ? input.url : input)}`);
    return response;
  };
  const onLimit =
    (limit: 'primary' | 'secondary') =>
    (retryAfter: number, requestOptions: { method?: string; url?: string; request?: { retryCount?: number } }, client?: Octokit): boolean => {
      const attempt = requestOptions.request?.retryCount ?? 0;
      if (attempt >= maxRateLimitRetries) return false;
      options.onEvent?.({ type: 'rate-limit-wait', limit, seconds: retryAfter, request: describeRequest(requestOptions, client) });
      return true;
    };
  const octokit = new Octokit({
    ...(token ? { auth: token } : {}),
    baseUrl,
    userAgent: 'swe-mirror',
    request: { fetch: caching?.fetch ?? plainFetch },
    // Silence Octokit's own console warnings: waits are reported through onEvent.
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    throttle: {
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
      retryAfterBaseValue: 1000 * waitScale,
      fallbackSecondaryRateRetryAfter: 60,
    },
    retry: {
      retries: maxServerErrorRetries,
      retryAfterBaseValue: 1000 * waitScale,
      // Rate limits (403/429) belong to the throttling plugin; retrying them here would double the waits.
      doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
    },
  });
  return {
    octokit,
    cacheStats: caching?.stats ?? { networkRequests: 0, notModified: 0, servedWithoutRequest: 0 },
    budget: () => budget,
    isAuthenticated: token !== undefined,
  };
}

import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** An issue (or, with isPullRequest, a PR seen through the issues API) in the stand-in. */
export interface StandInIssue {
  number: number;
  title: string;
  body: string;
}

export interface StandInPullRequest {
  number: number;
  title: string;
  body: string;
  /** ISO date, or null for a PR closed without merging. */
  mergedAt: string | null;
  diff: string;
  /** Commit messages, for the "fixes #N" fallback. */
  commits?: string[];
  /** Issue numbers GraphQL `closingIssuesReferences` returns. */
  closingIssues?: number[];
}

export interface StandInRepository {
  fullName: string;
  description: string;
  stars: number;
  openIssues: number;
  language: string;
  pullRequests: StandInPullRequest[];
  issues: StandInIssue[];
}

/** One request the stand-in answered, for assertions. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  hadIfNoneMatch: boolean;
  accept: string;
}

export type StandInFaultKind = 'primary-rate-limit' | 'secondary-rate-limit' | 'bad-gateway';

export interface StandInFault {
  kind: StandInFaultKind;
  /** Requests whose `METHOD path` (query excluded) matches get the fault. */
  match: RegExp;
  /** How many matching requests fail before the rest succeed (default 1). */
  times?: number;
}

export interface GitHubStandInOptions {
  repositories: StandInRepository[];
  /** Delay before each answer, to make a collection slow enough to kill mid-way. */
  delayMs?: number;
}

export interface GitHubStandIn {
  /** Base URL to pass as the REST API URL (GraphQL is at `${url}/graphql`). */
  url: string;
  requests: RecordedRequest[];
  addFault(fault: StandInFault): void;
  close(): Promise<void>;
}

const RATE_LIMIT = 5000;

function etagOf(body: string): string {
  return `W/"${createHash('sha1').update(body).digest('hex')}"`;
}

function issueJson(fullName: string, issue: StandInIssue, isPullRequest: boolean): Record<string, unknown> {
  return {
    number: issue.number,
    title: issue.title,
    body: issue.body,
    state: 'closed',
    html_url: `https://github.com/${fullName}/${isPullRequest ? 'pull' : 'issues'}/${issue.number}`,
    user: { login: 'someone' },
    ...(isPullRequest ? { pull_request: { url: `https://api.github.com/repos/${fullName}/pulls/${issue.number}` } } : {}),
  };
}

function pullRequestJson(fullName: string, pr: StandInPullRequest): Record<string, unknown> {
  return {
    number: pr.number,
    title: pr.title,
    body: pr.body === '' ? null : pr.body,
    state: 'closed',
    merged_at: pr.mergedAt,
    created_at: '2024-01-01T00:00:00Z',
    html_url: `https://github.com/${fullName}/pull/${pr.number}`,
    user: { login: 'someone' },
    base: { ref: 'main', repo: { full_name: fullName } },
  };
}

function searchTerms(query: string): { terms: string[]; language?: string } {
  const language = /\blanguage:(\S+)/.exec(query)?.[1];
  const rest = query.replace(/\blanguage:\S+/g, '');
  const terms = rest
    .split(/\s+OR\s+/)
    .map((term) => term.replaceAll('"', '').trim().toLowerCase())
    .filter((term) => term !== '');
  return language ? { terms, language: language.toLowerCase() } : { terms };
}

/** GraphQL: answers the batched `prN: pullRequest(number: N) { closingIssuesReferences(first: K) }` query and its one-PR follow-up. */
function answerGraphQL(repositories: Map<string, StandInRepository>, query: string, variables: Record<string, unknown>): unknown {
  const fullName = `${String(variables.owner)}/${String(variables.name)}`.toLowerCase();
  const repository = repositories.get(fullName);
  if (!repository) return { data: { repository: null }, errors: [{ type: 'NOT_FOUND', message: `Could not resolve to a Repository with the name '${fullName}'.` }] };
  const connection = (pr: StandInPullRequest | undefined, first: number, after: string | undefined) => {
    const all = (pr?.closingIssues ?? []).flatMap((number) => repository.issues.filter((issue) => issue.number === number));
    const start = after ? Number(Buffer.from(after, 'base64').toString('utf8')) : 0;
    const nodes = all.slice(start, start + first).map((issue) => ({ number: issue.number, title: issue.title, body: issue.body }));
    const end = start + nodes.length;
    return { pageInfo: { hasNextPage: end < all.length, endCursor: Buffer.from(String(end)).toString('base64') }, nodes };
  };
  const findPullRequest = (number: number) => repository.pullRequests.find((pr) => pr.number === number);
  if (typeof variables.number === 'number') {
    const first = Number(/closingIssuesReferences\(first: (\d+)/.exec(query)?.[1] ?? 10);
    const pr = findPullRequest(variables.number);
    const after = typeof variables.after === 'string' ? variables.after : undefined;
    return { data: { repository: { pullRequest: pr ? { number: pr.number, closingIssuesReferences: connection(pr, first, after) } : null } } };
  }
  const result: Record<string, unknown> = {};
  for (const match of query.matchAll(/(\w+): pullRequest\(number: (\d+)\) \{ number closingIssuesReferences\(first: (\d+)\)/g)) {
    const pr = findPullRequest(Number(match[2]));
    result[match[1] ?? ''] = pr ? { number: pr.number, closingIssuesReferences: connection(pr, Number(match[3]), undefined) } : null;
  }
  return { data: { repository: result } };
}

/** Start a local stand-in for the GitHub REST and GraphQL endpoints swe-mirror's GitHub source uses, on 127.0.0.1 and a free port. */
export async function startGitHubStandIn(options: GitHubStandInOptions): Promise<GitHubStandIn> {
  const repositories = new Map(options.repositories.map((repository) => [repository.fullName.toLowerCase(), repository]));
  const requests: RecordedRequest[] = [];
  const faults: Array<StandInFault & { left: number }> = [];
  let remaining = RATE_LIMIT;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const requestBody = Buffer.concat(chunks).toString('utf8');
    const accept = String(request.headers.accept ?? '');
    const ifNoneMatch = request.headers['if-none-match'];
    const record: RecordedRequest = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), status: 0, hadIfNoneMatch: ifNoneMatch !== undefined, accept };
    requests.push(record);
    if (options.delayMs) await sleep(options.delayMs);
    const resetSeconds = Math.ceil(Date.now() / 1000) + 3600;
    const send = (status: number, body: string, headers: Record<string, string> = {}): void => {
      record.status = status;
      response.writeHead(status, {
        'x-ratelimit-limit': String(RATE_LIMIT),
        'x-ratelimit-remaining': String(remaining),
        'x-ratelimit-reset': String(resetSeconds),
        'x-ratelimit-resource': url.pathname.startsWith('/search') ? 'search' : url.pathname === '/graphql' ? 'graphql' : 'core',
        ...headers,
      });
      response.end(body);
    };
    const fault = faults.find((candidate) => candidate.left > 0 && candidate.match.test(`${method} ${url.pathname}`));
    if (fault) {
      fault.left -= 1;
      if (fault.kind === 'primary-rate-limit') {
        remaining = 0;
        const reset = String(Math.ceil(Date.now() / 1000) + 1);
        send(403, JSON.stringify({ message: 'API rate limit exceeded for user ID 1.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api' }), {
          'content-type': 'application/json; charset=utf-8',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': reset,
        });
        remaining = RATE_LIMIT;
      } else if (fault.kind === 'secondary-rate-limit') {
        send(403, JSON.stringify({ message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits' }), {
          'content-type': 'application/json; charset=utf-8',
          'retry-after': '1',
        });
      } else {
        send(502, '<html><body><h1>502 Bad Gateway</h1></body></html>', { 'content-type': 'text/html' });
      }
      return;
    }
    const sendCacheable = (body: string, contentType: string, extra: Record<string, string> = {}): void => {
      const etag = etagOf(`${contentType}\n${body}`);
      if (ifNoneMatch === etag) {
        send(304, '', { etag });
        return;
      }
      remaining = Math.max(0, remaining - 1);
      send(200, body, { 'content-type': contentType, etag, ...extra });
    };
    const json = (value: unknown, extra: Record<string, string> = {}): void => sendCacheable(JSON.stringify(value), 'application/json; charset=utf-8', extra);
    const notFound = (): void => send(404, JSON.stringify({ message: 'Not Found', documentation_url: 'https://docs.github.com/rest' }), { 'content-type': 'application/json; charset=utf-8' });

    if (method === 'POST' && url.pathname === '/graphql') {
      const parsed = JSON.parse(requestBody || '{}') as { query?: string; variables?: Record<string, unknown> };
      json(answerGraphQL(repositories, parsed.query ?? '', parsed.variables ?? {}));
      return;
    }
    if (method !== 'GET') return notFound();
    if (url.pathname === '/search/repositories') {
      const { terms, language } = searchTerms(url.searchParams.get('q') ?? '');
      const items = [...repositories.values()]
        .filter((repository) => !language || repository.language.toLowerCase() === language)
        .filter((repository) => terms.some((term) => `${repository.fullName} ${repository.description}`.toLowerCase().includes(term)))
        .sort((left, right) => right.stars - left.stars)
        .map((repository, index) => ({
          id: index + 1,
          name: repository.fullName.split('/')[1],
          full_name: repository.fullName,
          owner: { login: repository.fullName.split('/')[0] },
          html_url: `https://github.com/${repository.fullName}`,
          description: repository.description,
          fork: false,
          archived: false,
          stargazers_count: repository.stars,
          open_issues_count: repository.openIssues,
          language: repository.language,
        }));
      json({ total_count: items.length, incomplete_results: false, items });
      return;
    }
    const route = /^\/repos\/([^/]+)\/([^/]+)\/(pulls|issues)(?:\/(\d+)(?:\/(commits))?)?$/.exec(url.pathname);
    const repository = route ? repositories.get(`${route[1]}/${route[2]}`.toLowerCase()) : undefined;
    if (!route || !repository) return notFound();
    const [, , , collection, numberText, sub] = route;
    if (collection === 'pulls' && numberText === undefined) {
      const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? 30));
      const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
      const closed = [...repository.pullRequests].sort((left, right) => right.number - left.number);
      const slice = closed.slice((page - 1) * perPage, page * perPage);
      const lastPage = Math.max(1, Math.ceil(closed.length / perPage));
      const linkTo = (target: number): string => {
        const next = new URL(url.href);
        next.searchParams.set('page', String(target));
        return `<http://${String(request.headers.host)}${next.pathname}${next.search}>`;
      };
      const links: string[] = [];
      if (page < lastPage) links.push(`${linkTo(page + 1)}; rel="next"`, `${linkTo(lastPage)}; rel="last"`);
      if (page > 1) links.push(`${linkTo(1)}; rel="first"`, `${linkTo(page - 1)}; rel="prev"`);
      json(slice.map((pr) => pullRequestJson(repository.fullName, pr)), links.length > 0 ? { link: links.join(', ') } : {});
      return;
    }
    const number = Number(numberText);
    const pr = repository.pullRequests.find((candidate) => candidate.number === number);
    if (collection === 'pulls') {
      if (!pr) return notFound();
      if (sub === 'commits') {
        json((pr.commits ?? [pr.title]).map((message, index) => ({ sha: createHash('sha1').update(`${number}-${index}`).digest('hex'), commit: { message, author: { name: 'someone' } } })));
        return;
      }
      if (/application\/vnd\.github(\.v3)?\.diff/.test(accept)) {
        sendCacheable(pr.diff, 'application/vnd.github.diff; charset=utf-8');
        return;
      }
      json(pullRequestJson(repository.fullName, pr));
      return;
    }
    const issue = repository.issues.find((candidate) => candidate.number === number);
    if (issue) return json(issueJson(repository.fullName, issue, false));
    if (pr) return json(issueJson(repository.fullName, { number, title: pr.title, body: pr.body }, true));
    notFound();
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    addFault(fault) {
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

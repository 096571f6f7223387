import { z } from 'zod';
import type { Octokit } from 'octokit';

/** A repository found by search, with what the ranking uses. */
export interface FoundRepository {
  fullName: string;
  stars: number;
  openIssues: number;
  language: string | null;
  htmlUrl: string;
}

const searchItemSchema = z.object({
  full_name: z.string(),
  stargazers_count: z.number().default(0),
  open_issues_count: z.number().default(0),
  language: z.string().nullable().optional(),
  html_url: z.string().default(''),
  archived: z.boolean().optional(),
  fork: z.boolean().optional(),
});
const searchResultSchema = z.object({ items: z.array(z.unknown()).default([]) });

/** Build the search query: the keywords OR-ed together (GitHub allows five operators), plus an optional language qualifier. */
export function buildSearchQuery(keywords: readonly string[], language?: string): string {
  const terms = keywords
    .map((keyword) => keyword.trim())
    .filter((keyword) => keyword !== '')
    .slice(0, 6)
    .map((keyword) => (/\s/.test(keyword) ? `"${keyword.replaceAll('"', '')}"` : keyword));
  const query = terms.join(' OR ');
  return language ? `${query} language:${language}` : query;
}

/** Rank by stars and open issues together (log scale, so neither dominates), best first; ties by name. */
export function rankRepositories(repositories: readonly FoundRepository[]): FoundRepository[] {
  const score = (repository: FoundRepository): number => Math.log10(1 + repository.stars) + Math.log10(1 + repository.openIssues);
  return [...repositories].sort((left, right) => score(right) - score(left) || left.fullName.localeCompare(right.fullName));
}

/** The `owner/name` of a GitHub repository URL (https or ssh), or undefined for anything else. */
export function gitHubRepositoryName(url: string): string | undefined {
  const match = /github[^/:]*[/:]([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/i.exec(url.trim());
  return match ? `${match[1]}/${match[2]}` : undefined;
}

export interface SearchRepositoriesOptions {
  query: string;
  maxRepositories: number;
  /** `owner/name` values never returned (the gym's own repository). */
  excluded?: readonly string[];
}

/** Search repositories (one page of 100, sorted by stars), skip forks, archived and excluded ones, rank, keep the top N. */
export async function searchRepositories(octokit: Octokit, options: SearchRepositoriesOptions): Promise<FoundRepository[]> {
  const response = await octokit.request('GET /search/repositories', { q: options.query, sort: 'stars', order: 'desc', per_page: 100 });
  const excluded = new Set((options.excluded ?? []).map((name) => name.toLowerCase()));
  const found: FoundRepository[] = [];
  for (const raw of searchResultSchema.parse(response.data).items) {
    const item = searchItemSchema.safeParse(raw);
    if (!item.success || item.data.fork || item.data.archived) continue;
    if (excluded.has(item.data.full_name.toLowerCase())) continue;
    found.push({
      fullName: item.data.full_name,
      stars: item.data.stargazers_count,
      openIssues: item.data.open_issues_count,
      language: item.data.language ?? null,
      htmlUrl: item.data.html_url,
    });
  }
  return rankRepositories(found).slice(0, options.maxRepositories);
}

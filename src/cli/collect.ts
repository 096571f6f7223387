import os from 'node:os';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadGymSpec } from '../config/load-gym-spec.js';
import { SweMirrorError } from '../core/errors.js';
import type { ChatModel } from '../core/model.js';
import { createModel } from '../llm/create-model.js';
import { resolveModelConfig } from '../llm/model-config.js';
import { addModelOptions, modelFlagsFromOptions, modelRunOptionsFromOptions, type ModelCommandOptions } from '../llm/model-command-options.js';
import { collectCandidates, readCandidates, type CollectEvent } from '../sources/collect-candidates.js';
import { formatFunnel } from '../sources/funnel.js';
import { createGitHistorySource } from '../sources/git-history.js';
import { checkpointPathFor } from '../sources/github/checkpoint.js';
import { createGitHubClient, type GitHubClient, type GitHubEvent } from '../sources/github/client.js';
import { createGitHubSource } from '../sources/github/source.js';
import { readGymContext } from '../sources/gym-context.js';
import { createJsonlSource } from '../sources/jsonl.js';
import { compareWithLabels, formatLabelComparison, readLabels } from '../sources/labels.js';
import { DEFAULT_RULE_OPTIONS } from '../sources/rule-filter.js';
import type { PullRequestSource } from '../sources/source.js';

interface CollectFlags extends ModelCommandOptions {
  gym: string;
  source: 'github' | 'jsonl' | 'git';
  out: string;
  input?: string;
  repo?: string;
  repoName?: string;
  query?: string;
  maxRepos: number;
  maxPrs?: number;
  language?: string;
  githubToken?: string;
  githubUrl?: string;
  llmFilter: boolean;
  labels?: string;
  cacheDir?: string;
  cache: boolean;
  requireIssue: boolean;
  maxCodeFiles: number;
  maxFiles: number;
  maxChangedLines: number;
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new InvalidArgumentError('expected a positive integer');
  return number;
}

function defaultCacheDirectory(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'swe-mirror');
}

function need(value: string | undefined, flag: string, source: string): string {
  if (value) return value;
  throw new SweMirrorError({ code: 'COLLECT_FLAG_MISSING', kind: 'user', message: `--source ${source} needs ${flag}.`, hint: `Add ${flag} to the command.` });
}

/** Progress: a live bar on a TTY, plain lines on stderr otherwise. */
function createReporter(isTty: boolean, client: GitHubClient | undefined) {
  const started = Date.now();
  let pullRequests = 0;
  let kept = 0;
  let budget = '';
  let multibar: cliProgress.MultiBar | undefined;
  let bar: cliProgress.SingleBar | undefined;
  const line = (text: string): void => {
    if (multibar) multibar.log(`${text}\n`);
    else process.stderr.write(`${text}\n`);
  };
  const payload = () => {
    const minutes = Math.max((Date.now() - started) / 60_000, 1 / 60);
    return { prs: pullRequests, kept, rate: (pullRequests / minutes).toFixed(0), budget: budget || 'n/a' };
  };
  const startBar = (total: number, unit: string): void => {
    if (!isTty) return;
    multibar = new cliProgress.MultiBar(
      { format: `{bar} {value}/{total} ${unit} | {prs} PRs ({rate}/min) | kept {kept} | API left {budget} | ETA {eta_formatted}`, hideCursor: true, clearOnComplete: false, etaBuffer: 5 },
      cliProgress.Presets.shades_classic,
    );
    bar = multibar.create(total, 0, payload());
  };
  return {
    onGitHub(event: GitHubEvent): void {
      if (event.type === 'api-budget') budget = `${event.remaining}/${event.limit}`;
      else if (event.type === 'rate-limit-wait') line(`GitHub ${event.limit} rate limit hit on ${event.request}: waiting ${event.seconds}s${event.limit === 'primary' ? ' for the reset' : ''}`);
      else line(`GitHub answered ${event.status} on ${event.request}: retrying (attempt ${event.attempt})`);
      bar?.update(payload());
    },
    onCollect(event: CollectEvent): void {
      switch (event.type) {
        case 'keywords':
          line(event.keywords.length > 0 ? `keywords: ${event.keywords.join(', ')}` : `query: ${event.query}`);
          break;
        case 'repositories':
          line(`${event.resumed ? 'resuming with' : 'found'} ${event.repositories.length} repositories: ${event.repositories.join(', ')}`);
          startBar(event.repositories.length, 'repos');
          break;
        case 'repository-start':
          if (!bar) line(`[${event.index + 1}/${event.total}] ${event.repo}`);
          break;
        case 'repository-done':
          bar?.update(event.index + 1, payload());
          break;
        case 'repository-skipped':
          line(`skipped ${event.repo}: ${event.reason}`);
          break;
        case 'warning':
          line(`warning: ${event.message}`);
          break;
        case 'resumed':
          line(`resuming: ${event.alreadyCollected} PR(s) already in the output${event.droppedTruncatedLine ? ' (a cut-short last line was dropped)' : ''}`);
          break;
        case 'candidate':
          pullRequests = event.funnel.seen;
          kept = event.funnel.kept;
          if (bar) bar.update(payload());
          else if (pullRequests % 25 === 0) line(`${pullRequests} PRs seen, ${kept} kept`);
          break;
      }
    },
    stop(): void {
      multibar?.stop();
      multibar = undefined;
      bar = undefined;
      if (client) {
        const stats = client.cacheStats;
        line(`GitHub: ${stats.networkRequests} request(s), ${stats.notModified} answered 304 from the cache, ${stats.servedWithoutRequest} served from the cache without asking`);
      }
    },
  };
}

/** `swe-mirror collect`: gather candidate PRs for a gym from GitHub, a JSONL dataset or a git history. */
export async function runCollect(flags: CollectFlags): Promise<void> {
  const gym = await loadGymSpec(flags.gym);
  const gymContext = await readGymContext(gym);
  const cacheRoot = flags.cacheDir ?? defaultCacheDirectory();
  const needsModel = flags.llmFilter || (flags.source === 'github' && !flags.query);
  let model: ChatModel | undefined;
  if (needsModel) {
    const config = resolveModelConfig({ flags: modelFlagsFromOptions(flags) });
    model = createModel(config, modelRunOptionsFromOptions(flags, path.join(cacheRoot, 'llm')));
  }
  const isTty = process.stderr.isTTY === true;
  let client: GitHubClient | undefined;
  let reporter = createReporter(isTty, undefined);
  let source: PullRequestSource;
  if (flags.source === 'github') {
    client = createGitHubClient({
      token: flags.githubToken,
      baseUrl: flags.githubUrl ?? process.env.GITHUB_API_URL,
      ...(flags.cache ? { cacheDirectory: path.join(cacheRoot, 'github-http') } : {}),
      onEvent: (event) => reporter.onGitHub(event),
    });
    reporter = createReporter(isTty, client);
    if (!client.isAuthenticated) process.stderr.write('warning: no GitHub token (--github-token or GITHUB_TOKEN): anonymous requests are limited to 60 an hour\n');
    source = createGitHubSource({
      client,
      gym: gymContext,
      model,
      query: flags.query,
      language: flags.language,
      maxRepositories: flags.maxRepos,
      maxPullRequestsPerRepository: flags.maxPrs ?? 100,
      checkpointPath: checkpointPathFor(flags.out),
    });
  } else if (flags.source === 'jsonl') {
    source = createJsonlSource(need(flags.input, '--input <file.jsonl>', 'jsonl'));
  } else {
    source = createGitHistorySource({ directory: need(flags.repo, '--repo <path>', 'git'), repositoryName: flags.repoName, maxPullRequests: flags.maxPrs });
  }
  if (!isTty) process.stderr.write(`collecting for gym ${gym.spec.name} from ${flags.source} into ${flags.out}\n`);
  let result;
  try {
    result = await collectCandidates({
      gym: gymContext,
      source,
      outputPath: flags.out,
      rules: { requireIssue: flags.requireIssue, maxCodeFiles: flags.maxCodeFiles, maxFiles: flags.maxFiles, maxChangedCodeLines: flags.maxChangedLines },
      ...(flags.llmFilter && model ? { llmFilter: { model } } : {}),
      onEvent: (event) => reporter.onCollect(event),
    });
  } finally {
    reporter.stop();
  }
  process.stdout.write(`\nFunnel (this run):\n${formatFunnel(result.run).join('\n')}\n`);
  if (result.total.seen !== result.run.seen) process.stdout.write(`\nFunnel (whole output, earlier runs included):\n${formatFunnel(result.total).join('\n')}\n`);
  process.stdout.write(`\ncandidates: ${flags.out}\n`);
  if (flags.labels) {
    const labels = await readLabels(flags.labels);
    const { candidates } = await readCandidates(flags.out);
    const comparison = compareWithLabels(candidates, labels);
    process.stdout.write(`\nLLM filter vs ${labels.length} hand label(s):\n${formatLabelComparison(comparison).join('\n')}\n`);
    for (const disagreement of comparison.disagreements.slice(0, 20)) {
      process.stdout.write(`  ${disagreement.repo}#${disagreement.number}: label ${disagreement.label ? 'yes' : 'no'}, filter ${disagreement.verdict ? 'yes' : 'no'}: ${disagreement.reason}\n`);
    }
  }
}

export function register(program: Command): void {
  // The shared model options (--model, --base-url, --no-cache, --replay, ...) come last; --no-cache also skips the HTTP cache.
  const command = program
    .command('collect')
    .description('Collect candidate merged PRs (with the issues they close) for a gym, filter them, and write candidates JSONL.')
    .requiredOption('--gym <spec>', 'gym spec YAML')
    .addOption(new Option('--source <source>', 'where PRs come from').choices(['github', 'jsonl', 'git']).makeOptionMandatory())
    .requiredOption('--out <file>', 'candidates JSONL (appended to; a rerun resumes)')
    .option('--input <file>', 'jsonl source: SWE-bench- or Multi-SWE-bench-style rows')
    .option('--repo <path>', 'git source: a local clone')
    .option('--repo-name <owner/name>', 'git source: repository name to record (default: origin remote, else directory name)')
    .option('--query <query>', 'github source: search query instead of model keywords')
    .option('--max-repos <n>', 'github source: repositories to collect from', positiveInteger, 20)
    .option('--max-prs <n>', 'closed PRs examined per repository (github, default 100) / PR commits read (git, default all)', positiveInteger)
    .option('--language <language>', 'github source: only repositories in this language')
    .option('--github-token <token>', 'GitHub token (default GITHUB_TOKEN)')
    .option('--github-url <url>', 'GitHub API URL, e.g. https://HOST/api/v3 (default GITHUB_API_URL or https://api.github.com)')
    .option('--no-llm-filter', 'skip the LLM mirrorability filter')
    .option('--labels <file>', 'hand labels JSONL ({repo, number, mirrorable}): print the filter confusion matrix')
    .option('--cache-dir <dir>', 'HTTP and model response cache (default ~/.cache/swe-mirror)')
    .option('--no-require-issue', 'keep PRs that close no issue')
    .option('--max-code-files <n>', 'rule: most code files a PR may change', positiveInteger, DEFAULT_RULE_OPTIONS.maxCodeFiles)
    .option('--max-files <n>', 'rule: most files a PR may change', positiveInteger, DEFAULT_RULE_OPTIONS.maxFiles)
    .option('--max-changed-lines <n>', 'rule: most changed lines in code files', positiveInteger, DEFAULT_RULE_OPTIONS.maxChangedCodeLines);
  addModelOptions(command).action(async (flags: CollectFlags) => {
    await runCollect(flags);
  });
}

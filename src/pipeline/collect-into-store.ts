import path from 'node:path';
import type { LoadedRunConfig } from '../config/run-config.js';
import type { ChatModel } from '../core/model.js';
import type { PreparedGym } from '../gym/types.js';
import { createGitHubClient } from '../sources/github/client.js';
import { createGitHubSource } from '../sources/github/source.js';
import { createGitHistorySource } from '../sources/git-history.js';
import { createJsonlSource } from '../sources/jsonl.js';
import { checkMetadataRules, createRuleFilter, DEFAULT_RULE_OPTIONS } from '../sources/rule-filter.js';
import type { PullRequestSource } from '../sources/source.js';
import { readGymContext } from '../sources/gym-context.js';
import type { Store } from '../store/store.js';
import type { PipelineReporter } from './events.js';

type SourceConfig = LoadedRunConfig['config']['sources'][number];

function createSource(source: SourceConfig, loaded: LoadedRunConfig, gym: PreparedGym, model: ChatModel): Promise<PullRequestSource> | PullRequestSource {
  switch (source.type) {
    case 'jsonl':
      return createJsonlSource(loaded.resolvePath(source.path));
    case 'git':
      return createGitHistorySource({ directory: loaded.resolvePath(source.path), ...(source.repo ? { repositoryName: source.repo } : {}) });
    case 'github':
      return readGymContext(gym.loaded).then((context) =>
        createGitHubSource({
          client: createGitHubClient({
            token: process.env[source.tokenEnv],
            ...(source.baseUrl ? { baseUrl: source.baseUrl } : {}),
            cacheDirectory: path.join(loaded.outputDirectory, 'github', 'http-cache'),
          }),
          gym: context,
          model,
          maxRepositories: source.maxRepos,
          maxPullRequestsPerRepository: source.maxPullRequests,
          ...(source.language ? { language: source.language } : {}),
          checkpointPath: path.join(loaded.outputDirectory, 'github', `${gym.spec.name}.progress.json`),
        }),
      );
  }
}

/**
 * Collect every source's PRs for every gym into the store, with rule verdicts. Idempotent:
 * PRs already stored for a gym are skipped, so a rerun after a kill neither loses nor duplicates.
 */
export async function collectIntoStore(input: {
  loaded: LoadedRunConfig;
  gyms: ReadonlyMap<string, PreparedGym>;
  store: Store;
  model: ChatModel;
  reporter: PipelineReporter;
}): Promise<void> {
  const { loaded, store, reporter } = input;
  const pairs = loaded.config.sources.flatMap((source) =>
    [...input.gyms.values()].filter((gym) => !source.gyms || source.gyms.includes(gym.spec.name)).map((gym) => ({ source, gym })),
  );
  reporter.onEvent({ type: 'stage-start', stage: 'collect', total: pairs.length });
  for (const { source, gym } of pairs) {
    const item = `${source.type} → ${gym.spec.name}`;
    reporter.onEvent({ type: 'item-start', stage: 'collect', item });
    const rules = { ...DEFAULT_RULE_OPTIONS, requireIssue: source.requireIssue };
    const filter = createRuleFilter(rules);
    const pullRequests = await createSource(source, loaded, gym, input.model);
    let seen = 0;
    let added = 0;
    const batch: Parameters<Store['addCandidates']>[1] = [];
    for await (const pr of pullRequests.pullRequests({
      isCollected: (repo, number) => store.hasCandidate(gym.spec.name, repo, number),
      checkMetadata: (pr) => checkMetadataRules(pr, rules),
      onEvent: (event) => {
        if (event.type === 'warning') reporter.onEvent({ type: 'notice', message: `[collect] ${event.message}` });
      },
    })) {
      seen += 1;
      batch.push({ source: pr, ruleVerdict: filter.check(pr), skipLlmFilter: !loaded.config.filter.llm });
      if (batch.length >= 100) added += store.addCandidates(gym.spec.name, batch.splice(0));
    }
    added += store.addCandidates(gym.spec.name, batch);
    reporter.onEvent({ type: 'item-done', stage: 'collect', item, outcome: 'ok', detail: `${seen} PRs seen, ${added} new` });
  }
  reporter.onEvent({ type: 'stage-done', stage: 'collect', summary: `${pairs.length} source/gym pairs collected` });
}

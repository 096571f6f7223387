/**
 * Regenerate examples/demo/recording.jsonl: run the real pipeline on the demo config with a scripted
 * model that answers from the readable files under examples/demo/answers/<gym>/<pr-number>/<step>.md,
 * and record every answer. Run it whenever a prompt template (prompts/*.md), a demo PR or an answer changes:
 *
 *   node --import tsx scripts/record-demo.ts [--config examples/demo/swe-mirror.yaml]
 *
 * A step that is meant to be retried has numbered answers: `<step>.1.md` for the first try, `<step>.2.md`
 * for the first retry, and so on. With `mirror.samples: 2`, `<step>.s2.md` is the second sample's answer
 * (default: the first's), and `<step>.v2.md` the answer for a candidate's second mirror variant. Requests are routed to their candidate by content (the PR title, its
 * issue text, or the bug pattern written for it), because candidates run concurrently.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadRunConfig, type LoadedRunConfig } from '../src/config/run-config.js';
import { loadGymSpec } from '../src/config/load-gym-spec.js';
import { SweMirrorError } from '../src/core/errors.js';
import type { ChatRequest } from '../src/core/model.js';
import type { SourcePR } from '../src/core/records.js';
import { createModel } from '../src/llm/create-model.js';
import { resolveModelConfig } from '../src/llm/model-config.js';
import { stripOuterFence } from '../src/mirror/distill.js';
import { formatIssueText } from '../src/mirror/repository-context.js';
import { createReporter } from '../src/pipeline/reporters.js';
import { runPipeline } from '../src/pipeline/run-pipeline.js';
import { readJsonlPullRequests } from '../src/sources/jsonl.js';

/** One (gym, source PR) pair that has scripted answers. */
interface ScriptedCandidate {
  gym: string;
  source: SourcePR;
  directory: string;
  /** Texts of which at least one appears in every request for this candidate. */
  markers: string[];
}

/** The texts that identify a candidate's requests, whatever the step. */
function markersFor(source: SourcePR, directory: string): string[] {
  const markers = [`# Pull request ${source.repo}#${source.number}: ${source.title}`, `Pull request title: ${source.title}`, formatIssueText(source)];
  const distill = path.join(directory, 'distill.md');
  // Localization, test and mirror prompts carry the bug pattern, exactly as the loop read it.
  if (existsSync(distill)) markers.push(stripOuterFence(readFileSync(distill, 'utf8').trim()));
  return markers;
}

/** Every PR of every JSONL source that has an answers folder, per gym it feeds. */
async function loadScriptedCandidates(loaded: LoadedRunConfig, answersDirectory: string): Promise<ScriptedCandidate[]> {
  const candidates: ScriptedCandidate[] = [];
  const gymNames = await Promise.all(loaded.gymSpecPaths.map(async (specPath) => (await loadGymSpec(specPath)).spec.name));
  for (const source of loaded.config.sources) {
    if (source.type !== 'jsonl') continue;
    const { pullRequests } = await readJsonlPullRequests(loaded.resolvePath(source.path));
    for (const gym of source.gyms ?? gymNames) {
      for (const pr of pullRequests) {
        const directory = path.join(answersDirectory, gym, String(pr.number));
        if (existsSync(directory)) candidates.push({ gym, source: pr, directory, markers: markersFor(pr, directory) });
      }
    }
  }
  return candidates;
}

/** Find the one candidate a request belongs to, by content; the gym name breaks ties. */
function routeRequest(candidates: ScriptedCandidate[], request: ChatRequest): ScriptedCandidate {
  const text = request.messages.map((message) => message.content).join('\n');
  let matching = candidates.filter((candidate) => candidate.markers.some((marker) => text.includes(marker)));
  if (matching.length > 1) matching = matching.filter((candidate) => text.includes(`# Gym: ${candidate.gym} (`) || text.includes(`repository ${candidate.gym} (`));
  const [only, ...others] = matching;
  if (!only || others.length > 0) {
    throw new SweMirrorError({
      code: 'DEMO_SCRIPT_UNROUTED',
      kind: 'internal',
      message: `A ${request.step ?? 'unnamed'} request matches ${matching.length} demo candidates (${matching.map((candidate) => `${candidate.gym}/${candidate.source.number}`).join(', ') || 'none'}).`,
      hint: 'Give each candidate a distinct PR title and bug pattern (distill.md).',
    });
  }
  return only;
}

/** Which sample of a request is being answered (the scripted model asks once per sample) and which mirror variant a request is for. */
interface AnswerPosition {
  sample: number;
  variant: number;
}

/**
 * The answer file for a request. `<step>.<try>.md` (1-based) when the step is scripted with retries, else
 * `<step>.md`; a second sample (`mirror.samples: 2`) reads `<step>.s2.md` where there is one, else the
 * first sample's file; the steps after the mirror step read `<step>.v2.md` for the candidate's second variant.
 */
function answerFileFor(candidate: ScriptedCandidate, request: ChatRequest, position: AnswerPosition): string {
  const step = request.step ?? 'unnamed';
  const tryNumber = (request.attempt ?? 0) + 1;
  const variant = position.variant > 0 ? path.join(candidate.directory, `${step}.v${position.variant + 1}.md`) : undefined;
  if (variant && tryNumber === 1 && existsSync(variant)) return variant;
  const sample = position.sample > 0 ? path.join(candidate.directory, `${step}.s${position.sample + 1}.md`) : undefined;
  if (sample && tryNumber === 1 && existsSync(sample)) return sample;
  const numbered = path.join(candidate.directory, `${step}.${tryNumber}.md`);
  if (existsSync(numbered)) return numbered;
  const single = path.join(candidate.directory, `${step}.md`);
  if (tryNumber === 1 && existsSync(single)) return single;
  const feedback = request.messages.at(-1)?.content ?? '';
  throw new SweMirrorError({
    code: 'DEMO_SCRIPT_MISSING_ANSWER',
    kind: 'internal',
    message: `No answer for ${candidate.gym}/${candidate.source.number} step ${step}, try ${tryNumber}${tryNumber > 1 ? `; the loop retried with this feedback:\n${feedback.slice(0, 1_500)}` : ''}`,
    hint: `Write ${path.relative(process.cwd(), tryNumber > 1 ? numbered : single)}.`,
  });
}

/**
 * Track samples and variants: the scripted model calls the script once per sample with the same request
 * object; a candidate's variants each ask the statement step with their own first prompt (a retry repeats it),
 * in variant order, since a candidate's variants are finished one after the other.
 */
function createPositionTracker(): (candidate: ScriptedCandidate, request: ChatRequest) => AnswerPosition {
  const samples = new WeakMap<ChatRequest, number>();
  const variantPrompts = new Map<string, string[]>();
  return (candidate, request) => {
    const sample = samples.get(request) ?? 0;
    samples.set(request, sample + 1);
    if (request.step !== 'statement') return { sample, variant: 0 };
    const key = `${candidate.gym}/${candidate.source.number}`;
    const prompt = JSON.stringify(request.messages.slice(0, 2));
    const prompts = variantPrompts.get(key) ?? [];
    if (!prompts.includes(prompt)) prompts.push(prompt);
    variantPrompts.set(key, prompts);
    return { sample, variant: prompts.indexOf(prompt) };
  };
}

function listAnswerFiles(candidates: ScriptedCandidate[]): string[] {
  return candidates.flatMap((candidate) => readdirSync(candidate.directory).filter((name) => name.endsWith('.md')).map((name) => path.join(candidate.directory, name)));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string', default: 'examples/demo/swe-mirror.yaml' } } });
  const configured = await loadRunConfig(values.config);
  const demoDirectory = path.dirname(configured.configPath);
  const recordingPath = path.join(demoDirectory, 'recording.jsonl');
  // A fresh output folder: an old store or cache would answer requests and leave them out of the recording.
  const outputDirectory = await mkdtemp(path.join(os.tmpdir(), 'swe-mirror-record-demo-'));
  const loaded: LoadedRunConfig = { ...configured, outputDirectory, storePath: path.join(outputDirectory, 'state.sqlite') };
  const candidates = await loadScriptedCandidates(loaded, path.join(demoDirectory, 'answers'));
  const used = new Set<string>();
  const problems: string[] = [];
  const positionOf = createPositionTracker();
  const script = (request: ChatRequest): string => {
    try {
      const candidate = routeRequest(candidates, request);
      const file = answerFileFor(candidate, request, positionOf(candidate, request));
      used.add(file);
      return readFileSync(file, 'utf8');
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
      throw error;
    }
  };
  const pendingRecording = path.join(outputDirectory, 'recording.jsonl');
  const model = createModel(resolveModelConfig({ file: { provider: 'scripted', model: 'demo-script' }, environment: {} }), { script, recordPath: pendingRecording });
  const reporter = createReporter({ format: 'plain' });
  let result: Awaited<ReturnType<typeof runPipeline>>;
  try {
    result = await runPipeline({ loaded, reporter, model });
  } finally {
    reporter.close();
  }
  const neverAsked = listAnswerFiles(candidates).filter((file) => !used.has(file));
  const pending = Object.entries(result.stats.funnel.totals).filter(([stage, count]) => stage.startsWith('pending-') && count > 0);
  if (pending.length > 0 && problems.length === 0) {
    problems.push(`candidates were left unfinished (${pending.map(([stage, count]) => `${count} ${stage}`).join(', ')}); see the [mirror]/[filter] lines marked "failed" above`);
  }
  if (problems.length > 0) {
    process.stderr.write(`\nThe recording was NOT updated: ${problems.length} problem(s):\n${problems.map((problem) => `- ${problem}`).join('\n')}\n`);
    process.exitCode = 1;
    return;
  }
  if (neverAsked.length > 0) process.stderr.write(`\nWarning: answers never asked for (a step ended earlier than scripted?):\n${neverAsked.map((file) => `- ${path.relative(process.cwd(), file)}`).join('\n')}\n`);
  // Copy, not rename: the temp folder may be on another file system.
  await copyFile(pendingRecording, recordingPath);
  await rm(pendingRecording);
  process.stdout.write(`\n${result.stats.text}\n\nRecorded ${used.size} answers to ${path.relative(process.cwd(), recordingPath)} (run output kept in ${outputDirectory}).\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof SweMirrorError ? `${error.code}: ${error.describe()}` : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});

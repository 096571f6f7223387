import type { ChatModel } from '../core/model.js';
import type { GymContext } from './gym-context.js';
import { truncateText } from './gym-context.js';
import { loadPromptTemplate, renderPromptTemplate } from '../prompts/templates.js';
import { SweMirrorError } from '../core/errors.js';

const FENCE = /```[a-z]*\n([\s\S]*?)```/i;

function cleanKeyword(raw: string): string {
  return raw
    .replace(/^[\s"'`*_-]+|[\s"'`*_.,;]+$/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Read keywords from a model answer, tolerantly: a JSON list, a Python-style list
 * (single quotes), bullet or numbered lines, or a comma-separated line, inside a fenced block or not.
 */
export function parseKeywords(answer: string): string[] {
  const text = (FENCE.exec(answer)?.[1] ?? answer).trim();
  const list = /\[([\s\S]*?)\]/.exec(text);
  let keywords: string[] = [];
  if (list) {
    try {
      const parsed = JSON.parse(`[${list[1] ?? ''}]`) as unknown;
      if (Array.isArray(parsed)) keywords = parsed.filter((item): item is string => typeof item === 'string');
    } catch {
      keywords = [...(list[1] ?? '').matchAll(/"([^"]*)"|'([^']*)'/g)].map((match) => match[1] ?? match[2] ?? '');
    }
  }
  if (keywords.length === 0) {
    const bullets = text.split('\n').flatMap((line) => {
      const bullet = /^\s*(?:[-*•]|\d+[.)])\s+(.+)$/.exec(line);
      return bullet?.[1] ? [bullet[1]] : [];
    });
    keywords = bullets.length > 0 ? bullets : text.split('\n').length === 1 ? text.split(',') : [];
  }
  const unique: string[] = [];
  for (const keyword of keywords.map(cleanKeyword)) {
    if (keyword !== '' && keyword.length <= 60 && !unique.some((seen) => seen.toLowerCase() === keyword.toLowerCase())) unique.push(keyword);
  }
  return unique.slice(0, 5);
}

/** Ask the model for five descriptive search keywords from the gym's README. */
export async function proposeKeywords(model: ChatModel, gym: GymContext): Promise<string[]> {
  if (gym.readme.trim() === '') {
    throw new SweMirrorError({
      code: 'GYM_README_MISSING',
      kind: 'user',
      message: `Gym ${gym.name} has no README to derive search keywords from.`,
      hint: 'Give keywords yourself with --query "keyword one OR keyword two", or add a README to the gym repository.',
    });
  }
  const { messages } = renderPromptTemplate(loadPromptTemplate('collect-keywords'), { gymName: gym.name, gymLanguage: gym.language, gymReadme: truncateText(gym.readme, 8000) });
  const response = await model.complete({ messages, temperature: 0, step: 'collect-keywords' });
  const answer = response.texts[0] ?? '';
  const keywords = parseKeywords(answer);
  if (keywords.length === 0) {
    throw new SweMirrorError({
      code: 'KEYWORDS_UNPARSEABLE',
      kind: 'model',
      message: `The model's answer held no keywords: ${JSON.stringify(answer.slice(0, 200))}`,
      hint: 'Try another model with --model, or give keywords yourself with --query.',
    });
  }
  return keywords;
}

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SweMirrorError } from '../core/errors.js';
import type { ChatMessage } from '../core/model.js';

/** The prompt templates of the mirroring loop, one file each under prompts/. */
export const MIRROR_PROMPTS = [
  'distill',
  'test-localize',
  'test-generate',
  'mirror-localize',
  'mirror-generate',
  'statement',
] as const;
export type MirrorPromptName = (typeof MIRROR_PROMPTS)[number];

/** A loaded template: front matter (name, version), then `## System` and `## User` parts with `{{placeholders}}`. */
export interface PromptTemplate {
  name: string;
  version: number;
  system: string;
  user: string;
  /** Placeholder names used anywhere in the template. */
  placeholders: string[];
}

/** A template filled in: the messages to send and what to record about them. */
export interface RenderedPrompt {
  template: string;
  version: number;
  messages: ChatMessage[];
}

// src/prompts/ and dist/prompts/ are both two levels below the package root.
const DEFAULT_DIRECTORY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'prompts');
const PLACEHOLDER = /\{\{(\w+)\}\}/g;

function invalid(name: string, problem: string): SweMirrorError {
  return new SweMirrorError({
    code: 'PROMPT_FILE_INVALID',
    kind: 'internal',
    message: `Prompt template ${name} ${problem}.`,
    hint: 'Restore the file from the swe-mirror package: it needs front matter with `version: N` and "## System" / "## User" parts.',
  });
}

/** Parse a template file's text (pure). */
export function parsePromptTemplate(name: string, text: string): PromptTemplate {
  const normalised = text.replace(/\r\n/g, '\n');
  const frontMatter = /^---\n([\s\S]*?)\n---\n/.exec(normalised);
  if (!frontMatter) throw invalid(name, 'has no front matter');
  const version = Number(/^version:\s*(\d+)\s*$/m.exec(frontMatter[1] ?? '')?.[1]);
  if (!Number.isInteger(version)) throw invalid(name, 'has no integer `version:` line');
  const body = normalised.slice(frontMatter[0].length);
  const systemStart = body.indexOf('## System\n');
  const userStart = body.indexOf('## User\n');
  if (systemStart < 0 || userStart < systemStart) throw invalid(name, 'lacks "## System" followed by "## User"');
  const system = body.slice(systemStart + '## System\n'.length, userStart).trim();
  const user = body.slice(userStart + '## User\n'.length).trim();
  const placeholders = [...new Set([...`${system}\n${user}`.matchAll(PLACEHOLDER)].map((match) => match[1] ?? ''))];
  return { name, version, system, user, placeholders };
}

const cache = new Map<string, PromptTemplate>();

/** Load prompts/<name>.md (or from `directory`), once per process. */
export function loadPromptTemplate(name: MirrorPromptName | string, directory = DEFAULT_DIRECTORY): PromptTemplate {
  const file = path.join(directory, `${name}.md`);
  const cached = cache.get(file);
  if (cached) return cached;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new SweMirrorError({
      code: 'PROMPT_FILE_MISSING',
      kind: 'internal',
      message: `Cannot read prompt template ${file}.`,
      hint: 'Reinstall swe-mirror; the prompts/ folder ships with it.',
      cause,
    });
  }
  const template = parsePromptTemplate(name, text);
  cache.set(file, template);
  return template;
}

/**
 * Fill a template's placeholders in one pass (values are never re-scanned). A placeholder without a value
 * is our bug, not the model's: it throws an internal error. Unused values are allowed.
 */
export function renderPromptTemplate(template: PromptTemplate, values: Readonly<Record<string, string>>): RenderedPrompt {
  const missing = template.placeholders.filter((name) => values[name] === undefined);
  if (missing.length > 0) {
    throw new SweMirrorError({
      code: 'PROMPT_PLACEHOLDER_MISSING',
      kind: 'internal',
      message: `Prompt template ${template.name} v${template.version} needs ${missing.map((name) => `{{${name}}}`).join(', ')}, which the caller did not give.`,
      hint: 'This is a bug in swe-mirror: please report it with the template name.',
      details: { template: template.name, missing },
    });
  }
  const fill = (text: string): string => text.replace(PLACEHOLDER, (_whole, key: string) => values[key] ?? '');
  return {
    template: template.name,
    version: template.version,
    messages: [
      { role: 'system', content: fill(template.system) },
      { role: 'user', content: fill(template.user) },
    ],
  };
}

/** Name and version of every mirroring template, for attempt records. */
export function describeMirrorPrompts(directory = DEFAULT_DIRECTORY): Array<{ name: string; version: number }> {
  return MIRROR_PROMPTS.map((name) => {
    const template = loadPromptTemplate(name, directory);
    return { name: template.name, version: template.version };
  });
}

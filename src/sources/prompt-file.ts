import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SweMirrorError } from '../core/errors.js';
import type { ChatMessage } from '../core/model.js';

/** A prompt kept as a Markdown file under prompts/: front matter with name and version, `## System` and `## User` parts, `{{placeholders}}`. */
export interface PromptFile {
  name: string;
  version: number;
  system: string;
  user: string;
}

// src/sources/ and dist/sources/ are both two levels below the package root.
const PROMPTS_DIRECTORY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'prompts');

function invalid(name: string, problem: string): SweMirrorError {
  return new SweMirrorError({
    code: 'PROMPT_FILE_INVALID',
    kind: 'internal',
    message: `prompts/${name}.md ${problem}.`,
    hint: 'Restore the prompt file from the package; it needs front matter (name, version) and "## System" / "## User" parts.',
  });
}

/** Parse a prompt file's text. */
export function parsePromptFile(name: string, text: string): PromptFile {
  const frontMatter = /^---\n([\s\S]*?)\n---\n/.exec(text);
  if (!frontMatter) throw invalid(name, 'has no front matter');
  const version = Number(/^version:\s*(\d+)\s*$/m.exec(frontMatter[1] ?? '')?.[1]);
  if (!Number.isInteger(version)) throw invalid(name, 'has no integer version');
  const body = text.slice(frontMatter[0].length);
  const systemStart = body.indexOf('## System\n');
  const userStart = body.indexOf('## User\n');
  if (systemStart < 0 || userStart < systemStart) throw invalid(name, 'lacks "## System" followed by "## User"');
  return {
    name,
    version,
    system: body.slice(systemStart + '## System\n'.length, userStart).trim(),
    user: body.slice(userStart + '## User\n'.length).trim(),
  };
}

const loaded = new Map<string, Promise<PromptFile>>();

/** Load prompts/<name>.md once per process. */
export function loadPromptFile(name: string): Promise<PromptFile> {
  let promise = loaded.get(name);
  if (!promise) {
    promise = readFile(path.join(PROMPTS_DIRECTORY, `${name}.md`), 'utf8').then(
      (text) => parsePromptFile(name, text),
      (cause: unknown) => {
        loaded.delete(name);
        throw new SweMirrorError({ code: 'PROMPT_FILE_MISSING', kind: 'internal', message: `Cannot read prompts/${name}.md.`, hint: 'Reinstall swe-mirror; the prompts/ folder ships with it.', cause });
      },
    );
    loaded.set(name, promise);
  }
  return promise;
}

/** Fill `{{name}}` placeholders in one pass (values are never re-scanned, so a README containing `{{x}}` stays as is). */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => values[key] ?? whole);
}

/** The system and user messages of a prompt with its placeholders filled. */
export function renderPrompt(prompt: PromptFile, values: Readonly<Record<string, string>>): ChatMessage[] {
  return [
    { role: 'system', content: fillTemplate(prompt.system, values) },
    { role: 'user', content: fillTemplate(prompt.user, values) },
  ];
}

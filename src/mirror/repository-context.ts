import { readFile, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { SourcePR } from '../core/records.js';
import { SweMirrorError } from '../core/errors.js';
import { runGitRaw } from '../core/git.js';

const TREE_LIMIT = 400;
const FILE_LIMIT_CHARS = 20_000;
const FILES_TOTAL_LIMIT_CHARS = 60_000;

/** The repository's tracked files (`git ls-files`), sorted. */
export async function listTrackedFiles(workdir: string): Promise<string[]> {
  const result = await runGitRaw(workdir, ['ls-files', '-z']);
  if (result.exitCode !== 0) {
    throw new SweMirrorError({
      code: 'GIT_FAILED',
      kind: 'infrastructure',
      message: `git ls-files failed in ${workdir}: ${result.stderr.trim()}`,
      hint: 'Prepare the gym again: its working copy is not a usable git repository.',
    });
  }
  return result.stdout.split('\0').filter(Boolean).sort();
}

/** The file listing shown to the model, one path a line, truncated with a note. */
export function formatRepositoryTree(files: string[], limit = TREE_LIMIT): string {
  if (files.length <= limit) return files.join('\n');
  return `${files.slice(0, limit).join('\n')}\n... (${files.length - limit} more files not shown)`;
}

/**
 * Read a file the model named, only if it lies inside the working copy once symlinks are resolved: a path with
 * `..`, an absolute path or a symlink leading out would otherwise send a host file (keys, /etc/shadow) to the model.
 */
async function readInsideRepository(workdir: string, file: string): Promise<string | undefined> {
  const root = await realpath(workdir);
  const absolute = path.resolve(root, file);
  const real = await realpath(absolute).catch(() => undefined);
  if (real === undefined) return undefined;
  const relative = path.relative(root, real);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative) || relative.split(path.sep)[0] === '.git') return undefined;
  return readFile(real, 'utf8');
}

/** Current contents of some files, fenced, capped per file and in total, as shown to the model. */
export async function formatFileContents(workdir: string, files: string[]): Promise<string> {
  const parts: string[] = [];
  let total = 0;
  // A Rust source file can be named as a source and as a test file (its #[cfg(test)] module): shown once.
  for (const file of new Set(files)) {
    const content = await readInsideRepository(workdir, file).catch(() => undefined);
    if (content === undefined) {
      parts.push(`### ${file}\n(this file does not exist yet)`);
      continue;
    }
    const budget = Math.min(FILE_LIMIT_CHARS, FILES_TOTAL_LIMIT_CHARS - total);
    if (budget <= 0) {
      parts.push(`### ${file}\n(not shown: the prompt is already long)`);
      continue;
    }
    const shown = content.length > budget ? `${content.slice(0, budget)}\n... (truncated, ${content.length - budget} more characters)` : content;
    total += shown.length;
    const fence = shown.includes('```') ? '~~~~' : '```';
    parts.push(`### ${file}\n${fence}\n${shown.replace(/\n$/, '')}\n${fence}`);
  }
  return parts.join('\n\n');
}

/** The original issue text(s) of a source PR, or its title and body when it links none. */
export function formatIssueText(source: SourcePR, limit = 6_000): string {
  const text =
    source.issues.length > 0
      ? source.issues.map((issue) => `### ${issue.title}\n\n${issue.body.trim()}`).join('\n\n')
      : `### ${source.title}\n\n${source.body.trim()}`;
  return text.length > limit ? `${text.slice(0, limit)}\n... (truncated)` : text;
}

/** Cut a diff to a size a prompt can hold, at a line boundary. */
export function truncateText(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const cut = text.lastIndexOf('\n', limit);
  return `${text.slice(0, cut > 0 ? cut : limit)}\n... (truncated, ${text.length - limit} more characters)`;
}

const GENERIC_STYLE_EXAMPLES = `### Example 1
# \`parse()\` drops the last item when the input ends with a separator

Calling \`parse("a,b,")\` returns \`["a"]\`. I expected \`["a", "b"]\` (or \`["a", "b", ""]\`), as with \`parse("a,b")\`.

Version: 2.3.1

### Example 2
# Timeout option is ignored for retries

When I pass \`{ timeout: 500 }\`, the first request respects it but every retry waits for the default 30 s. Steps:

1. Create a client with \`timeout: 500\`.
2. Point it at a server that never answers.
3. The call takes about 90 s instead of about 1.5 s.`;

/**
 * Style examples for the statement: up to two real issues kept in the gym repository (docs/issues/,
 * .github/ISSUE_EXAMPLES/), else generic examples written for swe-mirror.
 */
export async function loadStyleExamples(workdir: string): Promise<string> {
  for (const folder of ['docs/issues', '.github/ISSUE_EXAMPLES', 'issues']) {
    let names: string[];
    try {
      names = (await readdir(path.join(workdir, folder))).filter((name) => /\.(md|txt)$/i.test(name)).sort();
    } catch {
      continue;
    }
    const examples: string[] = [];
    for (const name of names.slice(0, 2)) {
      const text = await readInsideRepository(workdir, path.join(folder, name)).catch(() => undefined);
      if (text === undefined) continue;
      examples.push(`### Example ${examples.length + 1}\n${truncateText(text.trim(), 2_000)}`);
    }
    if (examples.length > 0) return examples.join('\n\n');
  }
  return GENERIC_STYLE_EXAMPLES;
}

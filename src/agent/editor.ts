import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, realpath, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EditorAction } from './tool-calls.js';

/** A rejected editor command; its message reaches the model as `ERROR:\n…`, as in openhands-aci. */
export class EditorError extends Error {}

export const CLIP_MARKER = '<response clipped><NOTE>To save on context only part of this output is shown. Use a narrower view_range or grep -n to find what you need.</NOTE>';

/** Clip long output, marking the cut. */
export function clipOutput(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}\n${CLIP_MARKER}`;
}

/**
 * OpenHands' str_replace_editor on the host, confined to one directory: every path must be absolute and,
 * symbolic links resolved, inside the root. Keeps a per-file undo history for the episode.
 */
export class FileEditor {
  private readonly history = new Map<string, string[]>();

  /**
   * @param root the repository on the host, where files are read and written
   * @param displayRoot where the agent sees the repository (inside the sandbox); default `root`
   */
  constructor(
    private readonly root: string,
    private readonly displayRoot: string = root,
    private readonly outputLimit = 16_000,
  ) {}

  /** Run one editor command; an EditorError says what the model did wrong. */
  async run(action: EditorAction): Promise<string> {
    const target = await this.confine(action.path);
    const result = await this.runOn(target, action);
    // Messages name files as the agent sees them.
    return result.replaceAll(this.root, this.displayRoot);
  }

  private async runOn(target: string, action: EditorAction): Promise<string> {
    try {
      switch (action.command) {
        case 'view':
          return await this.view(target, action.viewRange);
        case 'create':
          return await this.create(target, action.fileText ?? '');
        case 'str_replace':
          return await this.replace(target, action.oldStr ?? '', action.newStr ?? '');
        case 'insert':
          return await this.insert(target, action.insertLine ?? 0, action.newStr ?? '');
        case 'undo_edit':
          return await this.undo(target);
      }
    } catch (error) {
      if (error instanceof EditorError) throw new EditorError(error.message.replaceAll(this.root, this.displayRoot));
      throw error;
    }
  }

  private async confine(requested: string): Promise<string> {
    if (!path.isAbsolute(requested)) throw new EditorError(`The path ${requested} is not an absolute path, it should start with \`/\`. Maybe you meant ${path.join(this.displayRoot, requested)}?`);
    const inside = path.relative(this.displayRoot, path.resolve(requested));
    if (inside.startsWith('..') || path.isAbsolute(inside)) throw new EditorError(`The path ${requested} is outside the repository ${this.displayRoot}; only files inside it can be viewed or edited.`);
    const root = await realpath(this.root);
    const normalized = path.join(this.root, inside);
    // Resolve links on the deepest part that exists, so a link out of the repository is caught.
    let existing = normalized;
    while (!existsSync(existing) && existing !== path.dirname(existing)) existing = path.dirname(existing);
    const resolved = path.join(await realpath(existing), path.relative(existing, normalized));
    const relative = path.relative(root, resolved);
    if (relative.startsWith('..') || path.isAbsolute(relative)) throw new EditorError(`The path ${requested} leads outside the repository ${this.displayRoot} (through a symbolic link); only files inside it can be viewed or edited.`);
    return resolved;
  }

  private async readText(target: string): Promise<string> {
    if (!existsSync(target)) throw new EditorError(`The path ${target} does not exist. Please provide a valid path.`);
    if ((await stat(target)).isDirectory()) throw new EditorError(`The path ${target} is a directory and only the \`view\` command can be used on directories.`);
    return readFile(target, 'utf8');
  }

  private async view(target: string, viewRange: number[] | undefined): Promise<string> {
    if (!existsSync(target)) throw new EditorError(`The path ${target} does not exist. Please provide a valid path.`);
    if ((await stat(target)).isDirectory()) {
      if (viewRange) throw new EditorError('The `view_range` parameter is not allowed when `path` points to a directory.');
      const lines = await listTwoLevels(target);
      return clipOutput(`Here's the files and directories up to 2 levels deep in ${target}, excluding hidden items:\n${[target, ...lines].join('\n')}`, this.outputLimit);
    }
    const lines = (await readFile(target, 'utf8')).split('\n');
    let start = 1;
    let end = lines.length;
    if (viewRange) {
      const [first, last] = viewRange;
      if (viewRange.length !== 2 || first === undefined || last === undefined) throw new EditorError('Invalid `view_range`. It should be a list of two integers.');
      if (first < 1 || first > lines.length) throw new EditorError(`Invalid \`view_range\`: ${JSON.stringify(viewRange)}. Its first element \`${first}\` should be within the range of lines of the file: [1, ${lines.length}].`);
      if (last !== -1 && (last < first || last > lines.length)) throw new EditorError(`Invalid \`view_range\`: ${JSON.stringify(viewRange)}. Its second element \`${last}\` should be -1 or between ${first} and ${lines.length}.`);
      start = first;
      end = last === -1 ? lines.length : last;
    }
    const numbered = lines.slice(start - 1, end).map((line, index) => `${String(start + index).padStart(6)}\t${line}`);
    return clipOutput(`Here's the result of running \`cat -n\` on ${target}:\n${numbered.join('\n')}\n`, this.outputLimit);
  }

  private async create(target: string, fileText: string): Promise<string> {
    if (existsSync(target)) throw new EditorError(`File already exists at: ${target}. Cannot overwrite files using command \`create\`.`);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, fileText);
    this.remember(target, undefined);
    return `File created successfully at: ${target}`;
  }

  private async replace(target: string, oldStr: string, newStr: string): Promise<string> {
    const content = await this.readText(target);
    const occurrences = oldStr === '' ? 0 : content.split(oldStr).length - 1;
    if (occurrences === 0) throw new EditorError(`No replacement was performed, old_str \`${oldStr}\` did not appear verbatim in ${target}.`);
    if (occurrences > 1) {
      const lines = content.split('\n').flatMap((line, index) => (line.includes(oldStr.split('\n')[0] ?? '') ? [index + 1] : []));
      throw new EditorError(`No replacement was performed. Multiple occurrences of old_str \`${oldStr}\` in lines ${JSON.stringify(lines)}. Please ensure it is unique.`);
    }
    const updated = content.replace(oldStr, () => newStr);
    this.remember(target, content);
    await writeFile(target, updated);
    const line = content.slice(0, content.indexOf(oldStr)).split('\n').length;
    return `The file ${target} has been edited. ${this.snippet(target, updated, line, newStr)}Review the changes and make sure they are as expected. Edit the file again if necessary.`;
  }

  private async insert(target: string, insertLine: number, newStr: string): Promise<string> {
    const content = await this.readText(target);
    const lines = content.split('\n');
    if (insertLine < 0 || insertLine > lines.length) throw new EditorError(`Invalid \`insert_line\` parameter: ${insertLine}. It should be within the range of lines of the file: [0, ${lines.length}].`);
    const updated = [...lines.slice(0, insertLine), ...newStr.split('\n'), ...lines.slice(insertLine)].join('\n');
    this.remember(target, content);
    await writeFile(target, updated);
    return `The file ${target} has been edited. ${this.snippet(target, updated, insertLine + 1, newStr)}Review the changes and make sure they are as expected (correct indentation, no duplicate lines, etc). Edit the file again if necessary.`;
  }

  private async undo(target: string): Promise<string> {
    const versions = this.history.get(target);
    const previous = versions?.pop();
    if (previous === undefined) throw new EditorError(`No edit history found for ${target}.`);
    await writeFile(target, previous);
    return `Last edit to ${target} undone successfully. ${this.snippet(target, previous, 1, previous)}`;
  }

  private remember(target: string, content: string | undefined): void {
    if (content === undefined) return;
    this.history.set(target, [...(this.history.get(target) ?? []), content]);
  }

  private snippet(target: string, content: string, line: number, inserted: string): string {
    const lines = content.split('\n');
    const first = Math.max(1, line - 4);
    const last = Math.min(lines.length, line + inserted.split('\n').length + 3);
    const numbered = lines.slice(first - 1, last).map((text, index) => `${String(first + index).padStart(6)}\t${text}`);
    return clipOutput(`Here's the result of running \`cat -n\` on a snippet of ${target}:\n${numbered.join('\n')}\n`, this.outputLimit);
  }
}

async function listTwoLevels(directory: string): Promise<string[]> {
  const lines: string[] = [];
  for (const entry of (await readdir(directory, { withFileTypes: true })).sort((left, right) => left.name.localeCompare(right.name))) {
    if (entry.name.startsWith('.')) continue;
    const child = path.join(directory, entry.name);
    lines.push(child);
    if (!entry.isDirectory()) continue;
    for (const inner of (await readdir(child, { withFileTypes: true })).sort((left, right) => left.name.localeCompare(right.name))) {
      if (!inner.name.startsWith('.')) lines.push(path.join(child, inner.name));
    }
  }
  return lines;
}

import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Language } from '../config/gym-spec.js';
import { parsePatch } from '../edits/patch.js';
import { commentStyleFor, stripComments } from './strip-comments.js';

/** Line indexes (0-based, in the new file) that a patch adds, per repository-relative file. */
export function addedLinesByFile(patch: string): Map<string, Set<number>> {
  const result = new Map<string, Set<number>>();
  for (const section of parsePatch(patch)) {
    if (section.newPath === null || section.isBinary) continue;
    const added = new Set<number>();
    for (const hunk of section.hunks) {
      let newLine = hunk.newStart - 1;
      for (const line of hunk.lines) {
        if (line.startsWith('+')) {
          added.add(newLine);
          newLine += 1;
        } else if (line.startsWith(' ') || line === '') {
          newLine += 1;
        }
      }
    }
    if (added.size > 0) result.set(section.newPath, added);
  }
  return result;
}

export interface StrippedComments {
  /** Files rewritten. */
  files: string[];
  /** How many added lines lost a comment (dropped or shortened). */
  lineCount: number;
}

/**
 * Remove the comments that `patch` adds from the files in the working copy (the patch must be applied
 * there). Only added lines are touched, and only their comments: a model's "bug is here" note must not
 * ship with the task, but the code around it stays byte for byte.
 */
export async function stripAddedComments(workdir: string, patch: string, language: Language): Promise<StrippedComments> {
  const files: string[] = [];
  let lineCount = 0;
  for (const [file, added] of addedLinesByFile(patch)) {
    const style = commentStyleFor(file, language);
    if (style === undefined) continue;
    const absolute = path.join(workdir, file);
    const text = await readFile(absolute, 'utf8');
    const eol = text.includes('\r\n') ? '\r\n' : '\n';
    const hasFinalNewline = text.endsWith('\n');
    const lines = (hasFinalNewline ? text.slice(0, -eol.length) : text).split(eol);
    const result = stripComments(lines, added, style);
    const touched = result.changedLines.length + result.droppedLines.length;
    if (touched === 0) continue;
    await writeFile(absolute, result.lines.join(eol) + (hasFinalNewline ? eol : ''), 'utf8');
    files.push(file);
    lineCount += touched;
  }
  return { files, lineCount };
}

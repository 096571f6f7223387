import { splitDiffSections } from './diff-files.js';

/**
 * Cut a diff to about `limit` characters without breaking hunks: whole hunks are kept in file
 * order, later ones are dropped with a note naming the files and hunks left out.
 */
export function truncateDiff(diff: string, limit: number): string {
  if (diff.length <= limit) return diff;
  const sections = splitDiffSections(diff);
  if (sections.length === 0) return `${diff.slice(0, limit)}\n[... diff truncated]`;
  const kept: string[] = [];
  const omittedFiles: string[] = [];
  let omittedHunks = 0;
  let used = 0;
  for (const section of sections) {
    const hunks: string[] = [];
    for (const hunk of section.hunks) {
      const cost = hunk.length + 1 + (hunks.length === 0 ? section.header.length + 1 : 0);
      if (used + cost > limit) {
        omittedHunks += 1;
        continue;
      }
      hunks.push(hunk);
      used += cost;
    }
    if (hunks.length > 0) kept.push([section.header, ...hunks].join('\n'));
    else omittedFiles.push(section.path);
  }
  const notes: string[] = [];
  if (omittedHunks > 0) notes.push(`[... ${omittedHunks} hunk(s) left out to fit ${limit} characters]`);
  if (omittedFiles.length > 0) notes.push(`[... files not shown: ${omittedFiles.slice(0, 20).join(', ')}${omittedFiles.length > 20 ? ', ...' : ''}]`);
  return [...kept, ...notes].join('\n');
}

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const REPOSITORY = path.resolve(import.meta.dirname, '..', '..');

/** The project's own Markdown (fixture repositories are other projects' text, and are left out). */
function listMarkdownFiles(): string[] {
  const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.md'], { cwd: REPOSITORY, encoding: 'utf8' });
  return tracked.split('\n').filter((file) => file !== '' && !file.startsWith('test/fixtures/') && existsSync(path.join(REPOSITORY, file)));
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function listAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const [, heading] of markdown.matchAll(/^#{1,6} +(.+)$/gm)) {
    anchors.add(heading!.trim().toLowerCase().replace(/[^\p{L}\p{N}\- ]/gu, '').replace(/ /g, '-'));
  }
  return anchors;
}

function listLinks(markdown: string): string[] {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '');
  return [...withoutCode.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!);
}

describe('documentation links', () => {
  const files = listMarkdownFiles();

  it('finds the README and the docs', () => {
    expect(files).toContain('README.md');
    expect(files).toContain('docs/design.md');
  });

  it.each(files)('%s links only to files inside the repository that exist, and to headings that exist', (file) => {
    const markdown = readFileSync(path.join(REPOSITORY, file), 'utf8');
    const problems: string[] = [];
    for (const link of listLinks(markdown)) {
      // A user's clone may be read offline: the project's Markdown links into the repository only.
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) {
        problems.push(`${link}: a link outside the repository`);
        continue;
      }
      const [target, anchor] = link.split('#') as [string, string | undefined];
      const resolved = target === '' ? path.join(REPOSITORY, file) : path.resolve(path.dirname(path.join(REPOSITORY, file)), target);
      if (path.relative(REPOSITORY, resolved).startsWith('..')) problems.push(`${link}: outside the repository`);
      else if (!existsSync(resolved)) problems.push(`${link}: no such file`);
      else if (anchor && statSync(resolved).isFile() && resolved.endsWith('.md') && !listAnchors(readFileSync(resolved, 'utf8')).has(anchor)) problems.push(`${link}: no heading #${anchor}`);
    }
    expect(problems).toEqual([]);
  });

  it('no Markdown file cites the team map outside the repository', () => {
    const citing = files.filter((file) => /shared\/DESIGN|DESIGN\.md|DESIGN section/.test(readFileSync(path.join(REPOSITORY, file), 'utf8')));
    expect(citing).toEqual([]);
  });
});

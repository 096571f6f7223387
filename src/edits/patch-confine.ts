import { lstat, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { isPathInside } from '../core/paths.js';
import { SweMirrorError } from '../core/errors.js';
import { parsePatch, type PatchFileSection } from './patch-parse.js';

/** Refuse a patch whose paths leave the repository: `..`, absolute paths, `.git/`, symlinks (existing or created) pointing out. */
export async function assertPatchConfined(workdir: string, patch: string, options: { label?: string } = {}): Promise<void> {
  const label = options.label ?? 'patch';
  const root = await realpath(workdir);
  for (const section of parsePatch(patch)) {
    for (const filePath of sectionPaths(section)) {
      const shapeProblem = describePathShapeProblem(filePath);
      if (shapeProblem) throw escapes(label, filePath, shapeProblem);
      const symlinkProblem = await describeSymlinkProblem(root, filePath);
      if (symlinkProblem) throw escapes(label, filePath, symlinkProblem);
    }
    const createdLink = createdSymlinkTarget(section);
    if (createdLink !== undefined && section.newPath !== null) {
      const target = path.resolve(path.dirname(path.join(root, section.newPath)), createdLink);
      if (!isPathInside(target, root, { orEqual: true })) {
        throw escapes(label, section.newPath, `creates a symbolic link to ${createdLink}, outside the repository`);
      }
    }
  }
}

/** Both sides of a section that name a file. */
export function sectionPaths(section: PatchFileSection): string[] {
  const paths = [section.oldPath, section.newPath].filter((value): value is string => value !== null);
  return [...new Set(paths)];
}

function describePathShapeProblem(filePath: string): string | undefined {
  if (filePath === '') return 'is empty';
  if (path.isAbsolute(filePath) || /^[A-Za-z]:[\\/]/.test(filePath) || filePath.startsWith('\\')) return 'is an absolute path';
  const segments = filePath.split(/[\\/]/);
  if (segments.includes('..')) return 'climbs out with ".."';
  if (segments.some((segment) => segment.toLowerCase() === '.git')) return 'is inside the .git directory';
  return undefined;
}

/** Walk the path's existing prefixes; any symlink among them must resolve inside the repository. */
async function describeSymlinkProblem(root: string, filePath: string): Promise<string | undefined> {
  const segments = filePath.split('/');
  let current = root;
  for (const [position, segment] of segments.entries()) {
    current = path.join(current, segment);
    const stats = await lstat(current).catch(() => undefined);
    if (!stats) return undefined;
    if (!stats.isSymbolicLink()) continue;
    const linkText = await readlink(current);
    const target = await realpath(current).catch(() => path.resolve(path.dirname(current), linkText));
    if (!isPathInside(target, root, { orEqual: true })) {
      const through = segments.slice(0, position + 1).join('/');
      return `goes through the symbolic link ${through} → ${linkText}, which points outside the repository`;
    }
  }
  return undefined;
}

/** The target of a symbolic link the section creates (mode 120000), from its single added line. */
function createdSymlinkTarget(section: PatchFileSection): string | undefined {
  if (section.newMode !== '120000') return undefined;
  const added = section.hunks.flatMap((hunk) => hunk.lines.filter((line) => line.startsWith('+')));
  return added[0]?.slice(1);
}


function escapes(label: string, filePath: string, problem: string): SweMirrorError {
  return new SweMirrorError({
    code: 'PATCH_PATH_ESCAPES',
    kind: 'user',
    message: `${label} touches "${filePath}", which ${problem}.`,
    hint: 'Patches may only change files inside the repository; regenerate the patch with `git diff` from the repository root.',
    details: { label, path: filePath },
  });
}

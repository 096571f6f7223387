import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { SweMirrorError } from '../../core/errors.js';

const CHECKPOINT_VERSION = 1;

const checkpointSchema = z.object({
  schemaVersion: z.literal(CHECKPOINT_VERSION),
  gym: z.string(),
  query: z.string(),
  keywords: z.array(z.string()),
  repositories: z.array(z.string()),
  completedRepositories: z.array(z.string()),
});

/** Progress of a GitHub collection: the search it settled on and the repositories finished. */
export type GitHubCheckpoint = z.infer<typeof checkpointSchema>;

/** The checkpoint file that sits next to the output: `<out>.progress.json`. */
export function checkpointPathFor(outputPath: string): string {
  return `${outputPath}.progress.json`;
}

/** Read a checkpoint; undefined when there is none. A checkpoint of another gym is a user error (wrong --out). */
export async function readCheckpoint(filePath: string, gym: string): Promise<GitHubCheckpoint | undefined> {
  let text: string;
  try {
    text = await readFile(filePath, 'utf8');
  } catch {
    return undefined;
  }
  let parsed: GitHubCheckpoint;
  try {
    parsed = checkpointSchema.parse(JSON.parse(text));
  } catch (cause) {
    throw new SweMirrorError({
      code: 'COLLECT_CHECKPOINT_INVALID',
      kind: 'user',
      message: `Progress file ${filePath} is not readable.`,
      hint: 'Delete it to start the repository search again; candidates already in the output are kept and not collected twice.',
      cause,
    });
  }
  if (parsed.gym !== gym) {
    throw new SweMirrorError({
      code: 'COLLECT_OUTPUT_OTHER_GYM',
      kind: 'user',
      message: `${filePath} belongs to a collection for gym "${parsed.gym}", not "${gym}".`,
      hint: 'Use another --out file for this gym.',
    });
  }
  return parsed;
}

/** Write a checkpoint atomically (temp file, then rename), so a kill never leaves half of one. */
export async function writeCheckpoint(filePath: string, checkpoint: GitHubCheckpoint): Promise<void> {
  await mkdir(path.dirname(filePath), { recursive: true });
  const temporary = `${filePath}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(checkpoint, null, 2)}\n`);
  await rename(temporary, filePath);
}

export function createCheckpoint(gym: string, query: string, keywords: string[], repositories: string[]): GitHubCheckpoint {
  return { schemaVersion: CHECKPOINT_VERSION, gym, query, keywords, repositories, completedRepositories: [] };
}

import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { SweMirrorError } from '../../core/errors.js';
import { listTree, packFiles } from './archive.js';

/** Where a gym's base image comes from: an existing image (pulled if absent) or a Dockerfile built once under `tag`. */
export type BaseImageSource = { kind: 'image'; image: string } | { kind: 'dockerfile'; dockerfile: string; context: string; tag: string };

/** Whether the engine holds an image of this name or id. */
export async function hasImage(client: Docker, image: string): Promise<boolean> {
  return client
    .getImage(image)
    .inspect()
    .then(() => true)
    .catch(() => false);
}

/** The base image's name, pulling or building it first when the engine does not hold it; progress goes to `logPath`. */
export async function ensureBaseImage(client: Docker, source: BaseImageSource, logPath: string): Promise<string> {
  const name = source.kind === 'image' ? source.image : source.tag;
  if (await hasImage(client, name)) return name;
  await mkdir(path.dirname(logPath), { recursive: true });
  const log = createWriteStream(logPath);
  try {
    if (source.kind === 'image') {
      const stream = await client.pull(source.image).catch((cause: unknown) => {
        throw unavailable(`Cannot pull image ${source.image}: ${(cause as Error).message}`, 'Pull or load it by hand (docker pull / docker load), or point image at one the engine holds.', cause);
      });
      await followProgress(client, stream, log, `pull of ${source.image}`);
    } else {
      const relative = path.relative(source.context, source.dockerfile);
      if (relative.startsWith('..') || path.isAbsolute(relative)) {
        throw new SweMirrorError({
          code: 'GYM_DOCKERFILE_OUTSIDE_CONTEXT',
          kind: 'user',
          message: `The Dockerfile ${source.dockerfile} lies outside its build context ${source.context}.`,
          hint: 'Set docker.context to a directory that holds the Dockerfile.',
        });
      }
      const context = packFiles(source.context, await listTree(source.context, new Set(['.git'])));
      // Builds run with the host's network: these machines have no bridge, and a build fetches what it installs.
      const stream = await client.buildImage(context, { t: source.tag, dockerfile: relative.split(path.sep).join('/'), networkmode: 'host', rm: true, forcerm: true });
      await followProgress(client, stream, log, `build of ${source.dockerfile}`);
    }
  } finally {
    await new Promise<void>((resolve) => log.end(() => resolve()));
  }
  if (!(await hasImage(client, name))) throw unavailable(`The base image ${name} is still missing after its ${source.kind === 'image' ? 'pull' : 'build'}; see ${logPath}.`, 'Check the log, fix the image or Dockerfile, then run gym prepare again.');
  return name;
}

/** Wait for a pull or build to end, writing its progress to the log; an error event fails it. */
async function followProgress(client: Docker, stream: NodeJS.ReadableStream, log: NodeJS.WritableStream, what: string): Promise<void> {
  const events = await new Promise<Record<string, unknown>[]>((resolve, reject) => {
    client.modem.followProgress(
      stream,
      (error: Error | null, output: Record<string, unknown>[]) => (error ? reject(error) : resolve(output)),
      (event: Record<string, unknown>) => {
        const text = typeof event.stream === 'string' ? event.stream : typeof event.status === 'string' ? `${event.status}\n` : '';
        if (text) log.write(text);
      },
    );
  });
  const failure = events.find((event) => event.error !== undefined || event.errorDetail !== undefined);
  if (failure) throw unavailable(`The ${what} failed: ${String(failure.error ?? JSON.stringify(failure.errorDetail))}`, 'Fix the Dockerfile or the image name, then run gym prepare again.');
}

function unavailable(message: string, hint: string, cause?: unknown): SweMirrorError {
  return new SweMirrorError({ code: 'DOCKER_IMAGE_UNAVAILABLE', kind: 'user', message, hint, ...(cause === undefined ? {} : { cause }) });
}

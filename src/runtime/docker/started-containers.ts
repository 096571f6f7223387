import path from 'node:path';
import { Writable } from 'node:stream';
import type Docker from 'dockerode';
import type { ProcessResult } from '../../core/process.js';
import { DEFAULT_OUTPUT_LIMIT_BYTES, OutputCapture } from '../output-capture.js';
import { combineArchives } from './archive.js';
import type { ContainerProcessCounter } from './container-cgroup.js';
import { containerConfig, endOf, findProcessCounter, prepareArguments, PREPARE_THEN_EXEC, runContainer, superviseRun, type ContainerRun } from './run-container.js';

/** Printed by a started container once it waits for its run; nothing else is written before the run arrives. */
const READY_MARK = 'swe-mirror-ready';
/**
 * Sent on stdin before the run's archive: what comes before it is skipped (Podman passes the attach request's JSON
 * body, which dockerode always sends, to the container's stdin; Docker does not).
 */
const BEGIN_MARK = 'swe-mirror-begin';
/** Said on stderr (exit 125) when the container's own tar could not extract the run: the run is made again cold. */
const EXTRACTION_FAILED = 'swe-mirror: the run could not be extracted in the container';
/** The start script of a run, written into the workdir by the run's own archive and deleted before anything else runs. */
const SCRIPT_NAME = '.swe-mirror-run';
/**
 * The command of a container started ahead of its run: say it is ready, skip stdin up to the begin line, extract the
 * run's one archive from stdin (its start script first, then the state's files) at /, then run the start script. No
 * tar in the image: exit 125 before the ready line, and the runtime goes back to copying in before start.
 */
const WAIT_FOR_RUN = [
  'command -v tar >/dev/null 2>&1 || exit 125',
  `echo ${READY_MARK}`,
  `while IFS= read -r line; do case "$line" in *${BEGIN_MARK}) break ;; esac; done`,
  `tar -x -p -f - -C / || { echo '${EXTRACTION_FAILED}' >&2; exit 125; }`,
  'exec /bin/sh "$1"',
].join('; ');
/** Containers started ahead for one configuration: enough for verify's two runs at once. */
const MAX_STARTED_AHEAD = 2;

/** A container started from the gym image, waiting on stdin for its run; it has run nothing else. */
interface StartedContainer {
  container: Docker.Container;
  /** The attach connection: stdin (the run's archive) one way, the demultiplexed output the other. */
  socket: NodeJS.ReadWriteStream;
  ended: Promise<void>;
  counter: ContainerProcessCounter | undefined;
  /** Where the output goes once the run is handed over. */
  take: (capture: OutputCapture) => void;
}

/**
 * Runs of one docker runtime, each in a fresh container of the gym image. A container is created and started before
 * its run's files are known, and gets them through its stdin, extracted by the image's own tar (one archive instead
 * of the engine's copy-in). While someone holds the pool (`hold`: a verification), the next run's container is
 * started while the current one runs, and finished containers are removed in the background; releasing the hold
 * removes those started ahead and waits for every removal. Unheld, each run removes its container before returning.
 * Images without tar, or a run the container cannot extract (a user that cannot write the workdir), go back to
 * `runContainer` (create, copy in, start) for good.
 */
export interface StartedContainers {
  run(run: ContainerRun): Promise<ProcessResult>;
  /** Start containers ahead until the returned function is called; it resolves once none of this pool's remain. */
  hold(): () => Promise<void>;
}

export function createStartedContainers(client: Docker): StartedContainers {
  let holders = 0;
  // TLS connections cannot be half-closed reliably (the end of stdin would end the output too).
  let isColdOnly = Boolean(process.env.DOCKER_TLS_VERIFY);
  const ahead = new Map<string, Promise<StartedContainer | undefined>[]>();
  /** The configuration of the latest run (no files): a new hold starts its first container ahead from it. */
  let latest: ContainerRun | undefined;
  const removals = new Set<Promise<void>>();

  const remove = (container: Docker.Container): Promise<void> => {
    const removal = container
      .remove({ force: true, v: true })
      .catch(() => undefined)
      .then(() => {
        removals.delete(removal);
      });
    removals.add(removal);
    return removal;
  };
  const startAhead = (key: string, run: ContainerRun): void => {
    const waiting = ahead.get(key) ?? [];
    if (holders === 0 || isColdOnly || waiting.length >= MAX_STARTED_AHEAD) return;
    // A container that failed to start ahead is replaced by one started on demand, whose error is the run's.
    waiting.push(startContainer(client, run, remove).catch(() => undefined));
    ahead.set(key, waiting);
  };

  async function run(run: ContainerRun): Promise<ProcessResult> {
    if (isColdOnly) return runContainer(client, run);
    const startedAt = Date.now();
    const key = configurationKey(run);
    latest = { ...run, uploads: [], deletions: [], replacements: [], collect: [], argv: [] };
    delete latest.beforeRemove;
    const waiting = ahead.get(key)?.shift();
    const started = (await waiting) ?? (await startContainer(client, run, remove));
    if (started === undefined) {
      isColdOnly = true;
      return runContainer(client, run);
    }
    startAhead(key, run);
    let result: ProcessResult;
    try {
      result = await runInStarted(started, run, startedAt);
    } finally {
      const removal = remove(started.container);
      if (holders === 0) await removal;
    }
    if (result.exitCode === 125 && result.stderr.endsWith(`${EXTRACTION_FAILED}\n`)) {
      // Nothing of the run's command ran: the same run, copied in by the engine instead, in a fresh container.
      isColdOnly = true;
      return runContainer(client, run);
    }
    return result;
  }

  function hold(): () => Promise<void> {
    holders += 1;
    let isReleased = false;
    // Most series run what the one before ran (a pipeline's verifications of one gym): its first run need not wait.
    if (latest) startAhead(configurationKey(latest), latest);
    return async () => {
      if (!isReleased) {
        isReleased = true;
        holders -= 1;
      }
      if (holders === 0) {
        const waiting = [...ahead.values()].flat();
        ahead.clear();
        for (const started of await Promise.all(waiting)) if (started) void remove(started.container);
      }
      while (removals.size > 0) await Promise.all([...removals]);
    };
  }

  return { run, hold };
}

/** Runs whose containers are interchangeable before their files arrive: same image, limits, environment, mounts. */
function configurationKey(run: ContainerRun): string {
  return JSON.stringify(containerConfig(run, []));
}

/** Create and start a container for `run`'s configuration; undefined (container removed) when its image has no tar. */
async function startContainer(client: Docker, run: ContainerRun, remove: (container: Docker.Container) => Promise<void>): Promise<StartedContainer | undefined> {
  const config = containerConfig(run, ['/bin/sh', '-c', WAIT_FOR_RUN, 'sh', path.posix.join(run.workdir, SCRIPT_NAME)]);
  const container = await client.createContainer({ ...config, AttachStdin: true, OpenStdin: true, StdinOnce: true });
  try {
    const socket = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as NodeJS.ReadWriteStream;
    const ended = endOf(socket);
    let capture: OutputCapture | undefined;
    let early = Buffer.alloc(0);
    let markReady: (isReady: boolean) => void = () => undefined;
    const ready = new Promise<boolean>((resolve) => {
      markReady = resolve;
    });
    void ended.then(() => markReady(false));
    const output = (stream: 'stdout' | 'stderr'): Writable =>
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          if (capture) capture.add(stream, chunk);
          else if (stream === 'stdout') {
            // Before the run: only the ready line (anything else would be the image's doing, and is dropped).
            early = Buffer.concat([early, chunk]);
            if (early.includes(`${READY_MARK}\n`)) markReady(true);
          }
          done();
        },
      });
    client.modem.demuxStream(socket, output('stdout'), output('stderr'));
    await container.start();
    const counter = await findProcessCounter(container);
    if (!(await ready)) {
      await remove(container);
      return undefined;
    }
    return { container, socket, ended, counter, take: (given) => (capture = given) };
  } catch (error) {
    await remove(container);
    throw error;
  }
}

/** Hand `run` to a started container: its start script and files through stdin, then supervision as for any run. */
async function runInStarted(started: StartedContainer, run: ContainerRun, startedAt: number): Promise<ProcessResult> {
  const capture = new OutputCapture(run.outputLimitBytes ?? DEFAULT_OUTPUT_LIMIT_BYTES, run.logPath);
  started.take(capture);
  const scriptPath = path.posix.join(run.workdir, SCRIPT_NAME);
  const script = [`rm -f -- ${quote(scriptPath)}`, `set -- ${prepareArguments(run).map(quote).join(' ')}`, PREPARE_THEN_EXEC, ''].join('\n');
  const archive = combineArchives({ name: scriptPath.replace(/^\/+/, ''), content: script, mode: 0o644 }, run.uploads);
  // A failed archive (a host file unreadable mid-copy) ends stdin early: tar then fails and says so in the output.
  archive.on('error', () => started.socket.end());
  started.socket.write(`${BEGIN_MARK}\n`);
  archive.pipe(started.socket);
  return superviseRun(started.container, run, capture, { startedAt, ended: started.ended, counter: started.counter });
}

/** One word for sh, literally (any byte but NUL). */
function quote(word: string): string {
  return `'${word.replaceAll("'", `'"'"'`)}'`;
}

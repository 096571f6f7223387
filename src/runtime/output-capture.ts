import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';

export const DEFAULT_OUTPUT_LIMIT_BYTES = 8 * 1024 * 1024;

/** Collects stdout and stderr up to a shared byte cap, optionally teeing both into one log file. */
export class OutputCapture {
  private readonly stdoutChunks: Buffer[] = [];
  private readonly stderrChunks: Buffer[] = [];
  private storedBytes = 0;
  private droppedBytes = 0;
  private readonly log: WriteStream | undefined;

  constructor(
    private readonly limitBytes: number,
    logPath?: string,
  ) {
    if (logPath) {
      mkdirSync(path.dirname(logPath), { recursive: true });
      this.log = createWriteStream(logPath);
    }
  }

  /** Record one chunk from a stream; anything past the cap is counted, not kept. */
  add(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    const room = this.limitBytes - this.storedBytes;
    const kept = room >= chunk.length ? chunk : chunk.subarray(0, Math.max(0, room));
    this.droppedBytes += chunk.length - kept.length;
    if (kept.length === 0) return;
    this.storedBytes += kept.length;
    (stream === 'stdout' ? this.stdoutChunks : this.stderrChunks).push(kept);
    this.log?.write(kept);
  }

  get isTruncated(): boolean {
    return this.droppedBytes > 0;
  }

  /** Decode what was kept (invalid UTF-8 replaced, never thrown on) and note any truncation. */
  async finish(): Promise<{ stdout: string; stderr: string; outputTruncated: boolean }> {
    const note = this.isTruncated
      ? `\n[swe-mirror: output truncated at ${this.limitBytes} bytes; ${this.droppedBytes} more bytes were dropped]\n`
      : '';
    if (this.log) {
      const log = this.log;
      await new Promise<void>((resolve) => log.end(note, () => resolve()));
    }
    return {
      stdout: Buffer.concat(this.stdoutChunks).toString('utf8'),
      stderr: Buffer.concat(this.stderrChunks).toString('utf8') + note,
      outputTruncated: this.isTruncated,
    };
  }
}

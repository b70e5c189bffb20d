// Progress of a transfer in the log: files, bytes and MB/s, once a second for as long as it takes
// more than a second, and one closing line.
import type { Log } from '../azure/http.js';

const MB = 1024 * 1024;
export const mb = (bytes: number) => (bytes / MB).toFixed(1);

export class Progress {
  private readonly done = new Map<string, number>();
  private files = 0;
  private readonly started = Date.now();
  private readonly timer: NodeJS.Timeout;

  private readonly log: Log;
  private readonly verb: string;
  private readonly totalFiles: number;
  private readonly totalBytes: number;

  constructor(log: Log, verb: string, totalFiles: number, totalBytes: number) {
    this.log = log;
    this.verb = verb;
    this.totalFiles = totalFiles;
    this.totalBytes = totalBytes;
    this.timer = setInterval(() => this.log.info(`${this.verb}: ${this.line()}`), 1000);
    this.timer.unref();
  }

  /** Bytes of one file moved so far (the client reports running totals). */
  update(file: string, loaded: number): void {
    this.done.set(file, loaded);
  }

  fileDone(file: string, size: number): void {
    this.done.set(file, size);
    this.files++;
  }

  private bytes(): number {
    let total = 0;
    for (const n of this.done.values()) total += n;
    return total;
  }

  private line(): string {
    const seconds = Math.max((Date.now() - this.started) / 1000, 0.001);
    return `${this.files} of ${this.totalFiles} file(s), ${mb(this.bytes())} of ${mb(this.totalBytes)} MB (${mb(this.bytes() / seconds)} MB/s)`;
  }

  /** Stops the ticker; the figures of the whole transfer. */
  finish(): { seconds: number; mbPerSecond: number; bytes: number } {
    clearInterval(this.timer);
    const seconds = (Date.now() - this.started) / 1000;
    return { seconds, mbPerSecond: this.bytes() / MB / Math.max(seconds, 0.001), bytes: this.bytes() };
  }
}

/** Runs `work` on every item, at most `limit` at once, in order of start. */
export async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

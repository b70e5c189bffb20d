// Following a batch job while it runs, at the job poll's pace: its scoring step's progress overview
// (a line each time progress moves, and the job summary) and, with stream-logs: true, every new
// line of the job's own logs, each once, each file headed once when it first has lines, as
// azure-ai-ml's jobs.stream() does. Run history's details give the files (SAS URLs) on each poll;
// of each file only the bytes past those read are fetched (log-blob.ts). Nothing here fails the
// step: a read that fails is tried again at the next poll, and progress that stops moving is
// normal (azure-sdk-for-python#30421), worth one notice at most.
import { randomUUID } from 'node:crypto';
import type { Http } from '../azure/http.js';
import type { Clock } from '../clock.js';
import { describeThrown } from '../reporting/errors.js';
import { duration } from '../reporting/format.js';
import { eachLimited } from '../storage/progress.js';
import { selectLogFiles } from './job-logs.js';
import { LineStream } from './line-stream.js';
import { readLogBlob } from './log-blob.js';
import { applyProgress, describeProgress, isStale, NO_PROGRESS, overviewFile, parseProgressLine, progressKey, type Progress } from './progress.js';
import type { RunHistory } from './run-history.js';
import { WAITING_TO_START } from './stuck.js';

/** The files a user reads: azure-ai-ml's stream patterns, the driver log and the scoring script's own (logs/user/…). */
const STREAMED: RegExp[] = [
  /^user_logs\/std_log[^/]*\.txt$/i,
  /^azureml-logs\/70_driver_log[^/]*\.txt$/i,
  /^logs\/azureml\/executionlogs\.txt$/i,
  /^logs\/user\//i,
];
/** Files streamed at most (a job on many nodes lists a stdout file per process). */
const MAX_STREAMED = 20;
/** Bytes of one file read per poll at most; the rest comes at the next. */
export const READ_BYTES = 1024 * 1024;
/** Reads of one file at the end, to catch up, at most. */
const FINAL_READS = 8;
/** Files read at once. */
const READS_AT_ONCE = 6;
/** Before the pipeline starts its step there are no logs to read. */
const BEFORE_LOGS: ReadonlySet<string> = new Set([...WAITING_TO_START, 'Starting', 'Provisioning']);

export interface FollowOut {
  info(line: string): void;
  notice(message: string): void;
  debug(message: string): void;
  /** Each new progress, for the job summary. */
  progress(p: Progress): void;
}

export interface FollowOptions {
  job: string;
  history(): Promise<RunHistory | undefined>;
  http: Http;
  clock: Clock;
  /** stream-logs: true: the job's own lines too. */
  lines: boolean;
  out: FollowOut;
}

interface Target {
  key: string;
  path: string;
  url: string;
}

/** The files of one poll: the overview first, then the streamed ones. */
interface Targets {
  overview?: Target;
  streamed: Target[];
  all: Target[];
}

function targetsOf(overview: Target | undefined, streamed: Target[]): Targets {
  return { overview, streamed, all: [...(overview ? [overview] : []), ...streamed] };
}

interface Tracked {
  stream: LineStream;
  etag?: string;
  headed: boolean;
}

interface FileRead {
  /** The URL read. */
  url: string;
  /** What is kept of the file between polls. */
  tracked: Tracked;
  lines: string[];
  grew: boolean;
  /** The service's clock at the read. */
  date?: number;
  error?: string;
}

/** What the follower did, for the bench: polls that read, requests for log files, bytes received and new among them. */
export interface FollowStats {
  polls: number;
  reads: number;
  bytes: number;
  fresh: number;
  /** Reads that brought bytes but none new: what reading only what grew avoids. */
  fruitless: number;
}

export class LogFollower {
  readonly stats: FollowStats = { polls: 0, reads: 0, bytes: 0, fresh: 0, fruitless: 0 };
  private readonly o: FollowOptions;
  private readonly files = new Map<string, Tracked>();
  private child?: string;
  /** The files the last poll read. */
  private known: Targets = targetsOf(undefined, []);
  private progress: Progress = NO_PROGRESS;
  private shown?: string;
  /** When the overview last grew, on the service's clock when it says (else ours). */
  private changedAt?: number;
  private noticed = false;
  private readFailed = false;
  private capped = false;
  private stopped = false;
  private inFlight?: Promise<void>;
  /** Ends the stop-commands span around the job's own lines, which must never act as workflow commands. */
  private readonly resume = randomUUID();

  constructor(o: FollowOptions) {
    this.o = o;
  }

  /** One read at the poll's pace, in the background; skipped while the last one is still going. */
  poll(status: string): void {
    if (this.stopped || this.inFlight || BEFORE_LOGS.has(status)) return;
    this.inFlight = this.read(status, false).finally(() => (this.inFlight = undefined));
  }

  /** The job ended: one last read, every line to the end, before the outcome is told. */
  async finish(status: string): Promise<void> {
    if (this.stopped) return;
    await this.inFlight;
    await this.read(status, true);
    this.stopped = true;
  }

  /** Settles once the read under way, if any, is done (a simulated clock moves on only then). */
  async idle(): Promise<void> {
    await this.inFlight;
  }

  /** The wait ended before the job did: nothing more is read or shown. */
  stop(): void {
    this.stopped = true;
  }

  private async read(status: string, final: boolean): Promise<void> {
    this.stats.polls++;
    const before = { reads: this.stats.reads, bytes: this.stats.bytes };
    // At the end the files already known are read at once, beside the details that list any new
    // ones: the outcome waits one round trip, not two. Known files keep their last URL.
    const early = new Map(final ? this.known.all.map((t) => [t.key, this.readFile(t, true)] as const) : []);
    let targets = final ? this.known : undefined;
    try {
      const history = await this.o.history();
      if (history) targets = await this.targets(history);
    } catch (err) {
      this.failed(describeThrown(err));
    }
    if (!targets) return;
    this.known = targets;
    const reads: FileRead[] = [];
    await eachLimited([...targets.all.keys()], READS_AT_ONCE, async (i) => {
      const t = targets.all[i];
      const got = await early.get(t.key);
      // A known file whose last URL no longer served is read again with the one just listed.
      reads[i] = got && !(got.error && got.url !== t.url) ? got : await this.readFile(t, final);
    });
    if (this.stopped) return;
    if (targets.overview) this.showProgress(status, reads[0]);
    this.showLines(targets.streamed, targets.overview ? reads.slice(1) : reads);
    const error = reads.find((r) => r.error)?.error;
    if (error) this.failed(error);
    this.o.out.debug(`Logs of ${this.o.job}: ${this.stats.reads - before.reads} read(s), ${this.stats.bytes - before.bytes} new bytes.`);
  }

  /** The files to read now: the newest progress overview, and with stream-logs: true the step's and the job's own logs. */
  private async targets(history: RunHistory): Promise<Targets> {
    this.child ??= (await history.children(this.o.job)).find((c) => c.moduleName === 'batchscoring')?.runId;
    const [step, job] = await Promise.all([this.child ? history.details(this.child) : undefined, this.o.lines ? history.details(this.o.job) : undefined]);
    const stepFiles = step?.logFiles ?? {};
    const path = overviewFile(Object.keys(stepFiles));
    const overview = path ? { key: `step:${path}`, path, url: stepFiles[path] } : undefined;
    if (!this.o.lines) return targetsOf(overview, []);
    const streamed = [
      ...selectLogFiles(stepFiles, STREAMED).map((f) => ({ key: `step:${f.path}`, ...f })),
      ...selectLogFiles(job?.logFiles ?? {}, STREAMED).map((f) => ({ key: `job:${f.path}`, ...f })),
    ];
    if (streamed.length > MAX_STREAMED && !this.capped) {
      this.capped = true;
      this.o.out.info(`Job ${this.o.job} has ${streamed.length} log files; the first ${MAX_STREAMED} are streamed here, all are in the studio.`);
    }
    return targetsOf(overview, streamed.slice(0, MAX_STREAMED));
  }

  /** Reads what is new in one file (all of it at the end); its complete lines, each once. */
  private async readFile(t: Target, final: boolean): Promise<FileRead> {
    let f = this.files.get(t.key);
    if (!f) this.files.set(t.key, (f = { stream: new LineStream(), headed: false }));
    const out: FileRead = { url: t.url, tracked: f, lines: [], grew: false };
    try {
      for (let i = 0; i < (final ? FINAL_READS : 1); i++) {
        const r = await readLogBlob(this.o.http, t.url, { from: f.stream.offset, maxBytes: READ_BYTES, etag: f.etag });
        this.stats.reads++;
        out.date = r.date ?? out.date;
        if (r.kind === 'refused') throw new Error(`${t.path} answered HTTP ${r.status}`);
        if (r.kind === 'unchanged' && r.size !== undefined && r.size < f.stream.offset) {
          // Replaced by a shorter file: read it from its start.
          f.stream.reset();
          f.etag = undefined;
          continue;
        }
        if (r.kind !== 'bytes') break;
        this.stats.bytes += r.bytes.length;
        const offset = f.stream.offset;
        out.lines.push(...f.stream.push(r.bytes, r.from));
        this.stats.fresh += f.stream.offset - offset;
        if (r.bytes.length > 0 && f.stream.offset === offset) this.stats.fruitless++;
        out.grew ||= f.stream.offset > offset;
        // The ETag stands for bytes read only once all of them are: a 304 must not hide the rest.
        const caughtUp = r.size !== undefined && f.stream.offset >= r.size;
        f.etag = caughtUp ? r.etag : undefined;
        if (caughtUp) break;
      }
    } catch (err) {
      out.error = describeThrown(err);
    }
    if (final) out.lines.push(...f.stream.flush());
    return out;
  }

  private showProgress(status: string, read: FileRead): void {
    const now = read.date ?? this.o.clock.now();
    if (read.grew || this.changedAt === undefined) this.changedAt = now;
    const before = this.progress;
    for (const line of read.lines) {
      const parsed = parseProgressLine(line);
      if (parsed) this.progress = applyProgress(this.progress, parsed);
    }
    if (this.progress.stopped && !before.stopped) this.o.out.info(`The runtime stopped updating the job's progress: ${this.progress.stopped}`);
    const text = describeProgress(this.progress);
    if (text && progressKey(this.progress) !== this.shown) {
      this.shown = progressKey(this.progress);
      this.o.out.info(`Progress: ${text}`);
      this.o.out.progress(this.progress);
    }
    if (status === 'Running' && !this.noticed && isStale(this.progress, this.changedAt, now)) {
      this.noticed = true;
      this.o.out.notice(
        `Job ${this.o.job}'s progress has not moved for ${duration(now - this.changedAt)}${text ? ` (${text})` : ''} while it is ${status}. The runtime can stop updating its progress overview while the job goes on (azure-sdk-for-python#30421): this step keeps following the job's status.`,
      );
    }
  }

  /** The job's own lines, each file headed once when it first has some, never read as workflow commands. */
  private showLines(targets: Target[], reads: FileRead[]): void {
    if (!reads.some((r) => r.lines.length)) return;
    this.o.out.info(`::stop-commands::${this.resume}`);
    targets.forEach((t, i) => {
      const { lines, tracked: f } = reads[i];
      if (!lines.length) return;
      if (!f.headed) this.o.out.info(`── ${t.path}`);
      f.headed = true;
      for (const line of lines) this.o.out.info(line);
    });
    this.o.out.info(`::${this.resume}::`);
  }

  private failed(why: string): void {
    if (this.readFailed) return this.o.out.debug(`Could not read the job's logs: ${why}`);
    this.readFailed = true;
    this.o.out.info(`Could not read the job's logs this time (${why}); trying again at each poll.`);
  }
}

// The parallel-run runtime's progress overview, as a batch job's scoring step writes it: lines of
// `<ISO time> <message>` in logs/job_progress_overview.<yyyymmddhh>.txt (rotated every hour: the
// newest is current), logs/overview.txt in older runtimes. The wording differs between runtime
// versions (protocol.md, "Batch job logs while the job runs"), so lines are matched loosely and a
// line nobody knows is skipped, never an error.
import { duration } from '../reporting/format.js';

export type ProgressEvent =
  | { kind: 'scheduled'; total: number }
  | { kind: 'none-yet' }
  | { kind: 'processed'; done: number; total?: number; elapsedMs?: number; remainingMs?: number }
  | { kind: 'all-done'; total: number }
  | { kind: 'stopped'; reason: string };

export interface ProgressLine {
  /** The line's own time (ms since epoch), when it starts with one. */
  at?: number;
  event: ProgressEvent;
}

/** What the overview said last. */
export interface Progress {
  total?: number;
  done?: number;
  /** The runtime's own time spent, from "Processed K of N mini batches in h:mm:ss". */
  elapsedMs?: number;
  /** The runtime's estimate of the time left, as of `at`. */
  remainingMs?: number;
  /** Time of the line that said it. */
  at?: number;
  /** "All N mini batches have been processed." */
  finished: boolean;
  /** "Progress update stopped for reasons: […]" */
  stopped?: string;
}

export const NO_PROGRESS: Progress = { finished: false };

const STAMP = /^\s*\[?(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?\]?\s+(.*)$/;
/** Python's str(timedelta): "0:05:02", "19:25:59.5", "1 day, 2:03:04". */
const TIMEDELTA = String.raw`(?:(\d+) days?, )?(\d+):(\d{2}):(\d{2})(?:\.\d+)?`;
const BATCHES = String.raw`mini[- ]?batch(?:es)?`;
const SCHEDULED = new RegExp(String.raw`\bScheduled (\d+) ${BATCHES}`, 'i');
const PROCESSED_OF = new RegExp(String.raw`\bProcessed (\d+) of (\d+) ${BATCHES}`, 'i');
const PROCESSED = new RegExp(String.raw`\bProcessed (\d+) ${BATCHES}`, 'i');
const ALL_DONE = new RegExp(String.raw`\bAll (\d+) ${BATCHES} (?:have been |has been |were |are )?processed`, 'i');
const ELAPSED = new RegExp(String.raw`\bin ${TIMEDELTA}`, 'i');
const REMAINING = new RegExp(String.raw`\bEstimated? remaining(?: time)?:?\s*${TIMEDELTA}`, 'i');
const NONE_YET = /\bNo task has been processed yet\b/i;
const STOPPED = /\bProgress update stopped\b(?:\s*for reasons?)?:?\s*(.*)$/i;

function count(text: string): number | undefined {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

function timedelta(m: RegExpExecArray | null): number | undefined {
  if (!m) return undefined;
  const [days, h, min, s] = [m[1] ?? '0', m[2], m[3], m[4]].map(Number);
  const ms = (((days * 24 + h) * 60 + min) * 60 + s) * 1000;
  return Number.isFinite(ms) ? ms : undefined;
}

function lineTime(date: string, time: string, fraction: string | undefined, zone: string | undefined): number | undefined {
  // The runtime writes microseconds and no zone: its clock is UTC.
  const ms = (fraction ?? '').slice(0, 4).padEnd(4, '0');
  const z = !zone || zone === 'Z' ? 'Z' : zone.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  const t = Date.parse(`${date}T${time}${ms === '0000' ? '' : ms}${z}`);
  return Number.isNaN(t) ? undefined : t;
}

/** The event built from a count, when the text is one. */
function ifCounted(text: string, event: (n: number) => ProgressEvent): ProgressEvent | undefined {
  const n = count(text);
  return n === undefined ? undefined : event(n);
}

function parseMessage(message: string): ProgressEvent | undefined {
  let m = ALL_DONE.exec(message);
  if (m) return ifCounted(m[1], (total) => ({ kind: 'all-done', total }));
  m = PROCESSED_OF.exec(message);
  if (m) {
    const done = count(m[1]);
    const total = count(m[2]);
    if (done === undefined || total === undefined) return undefined;
    return { kind: 'processed', done, total, elapsedMs: timedelta(ELAPSED.exec(message)), remainingMs: timedelta(REMAINING.exec(message)) };
  }
  m = PROCESSED.exec(message);
  if (m) return ifCounted(m[1], (done) => ({ kind: 'processed', done, elapsedMs: timedelta(ELAPSED.exec(message)) }));
  m = SCHEDULED.exec(message);
  if (m) return ifCounted(m[1], (total) => ({ kind: 'scheduled', total }));
  if (NONE_YET.test(message)) return { kind: 'none-yet' };
  m = STOPPED.exec(message);
  if (m) return { kind: 'stopped', reason: m[1].trim() };
  return undefined;
}

/** One line of the overview; undefined for a line that says nothing about progress. */
export function parseProgressLine(line: string): ProgressLine | undefined {
  const stamped = STAMP.exec(line);
  const event = parseMessage(stamped ? stamped[5] : line);
  if (!event) return undefined;
  const at = stamped ? lineTime(stamped[1], stamped[2], stamped[3], stamped[4]) : undefined;
  return at === undefined ? { event } : { at, event };
}

/** The progress after one more line. */
export function applyProgress(p: Progress, { at, event }: ProgressLine): Progress {
  const next: Progress = { ...p, at: at ?? p.at };
  switch (event.kind) {
    case 'scheduled':
      return { ...next, total: event.total, done: p.done ?? 0 };
    case 'none-yet':
      return { ...next, done: p.done ?? 0 };
    case 'processed':
      return { ...next, done: event.done, total: event.total ?? p.total, elapsedMs: event.elapsedMs ?? p.elapsedMs, remainingMs: event.remainingMs };
    case 'all-done':
      return { ...next, total: event.total, done: event.total, remainingMs: 0, finished: true };
    case 'stopped':
      return { ...next, stopped: event.reason || 'no reason given' };
  }
}

/** What a change of progress is: a new line is shown only when this changes. */
export function progressKey(p: Progress): string {
  return `${p.done ?? '-'}/${p.total ?? '-'}/${p.finished}`;
}

function timeLeft(ms: number): string {
  if (ms < 60_000) return 'less than a minute left';
  const min = Math.round(ms / 60_000);
  return min < 60 ? `about ${min} min left` : `about ${Math.floor(min / 60)} h ${min % 60} min left`;
}

/** "40 of 100 mini-batches (40 %), about 12 min left"; undefined when the overview said nothing yet. */
export function describeProgress(p: Progress): string | undefined {
  let text: string;
  if (p.done !== undefined && p.total !== undefined) {
    // Rounded down: 100 % only once every mini-batch is done.
    const percent = p.total > 0 ? Math.floor((Math.min(p.done, p.total) * 100) / p.total) : 100;
    text = `${p.done} of ${p.total} mini-batches (${percent} %)`;
  } else if (p.done !== undefined) text = `${p.done} mini-batches processed`;
  else return undefined;
  if (!p.finished && p.remainingMs !== undefined) text += `, ${timeLeft(p.remainingMs)}`;
  return text;
}

/** The job summary's line: last progress, time elapsed (the runtime's, else the wait's), estimate and when it was said. */
export function summarizeProgress(p: Progress, waitedMs: number): string | undefined {
  const counts = describeProgress(p);
  if (!counts) return undefined;
  const parts = [counts, `${duration(p.elapsedMs ?? waitedMs)} elapsed`];
  if (p.at !== undefined) parts.push(`as of ${new Date(p.at).toISOString().slice(11, 19)} UTC`);
  if (p.stopped) parts.push(`the runtime stopped updating it (${p.stopped})`);
  return parts.join(' · ');
}

const ROTATED = /^logs\/job_progress_overview(?:\.(\d{6,14}))?\.txt$/i;
const OLDER = /^logs\/overview\.txt$/i;

/** The overview to read among a run's log files: the newest rotated one, else the older runtime's. */
export function overviewFile(paths: string[]): string | undefined {
  let best: { path: string; stamp: number } | undefined;
  for (const path of paths) {
    const m = ROTATED.exec(path);
    if (!m) continue;
    const stamp = m[1] ? Number(m[1]) : -1;
    if (!best || stamp > best.stamp) best = { path, stamp };
  }
  return best?.path ?? paths.find((p) => OLDER.test(p));
}

/** How long progress may stand still while the job runs before the one notice (the runtime writes every 2 minutes or so). */
export const STALE_AFTER_MS = 10 * 60_000;

/** Whether progress that last changed at `changedAt` has stood still too long at `now` (one clock for both). */
export function isStale(p: Progress, changedAt: number | undefined, now: number): boolean {
  return !p.finished && changedAt !== undefined && now - changedAt >= STALE_AFTER_MS;
}

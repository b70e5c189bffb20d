// A batch job's log files as they grow on the emulator clock: what its batchscoring step and the
// pipeline run have written by `now`, each file a prefix of what it holds later (log blobs are only
// ever appended to). Names: Microsoft Learn's "Troubleshoot batch endpoints" (job_progress_overview,
// rotated hourly as <yyyymmddhh>; logs/overview.txt in older runtimes; sys/master_role, user/error,
// user/stdout/<node>/process<N>.stdout.txt, azureml-logs/70_driver_log.txt) and the common runtime's
// user_logs/std_log.txt. Progress lines follow the runtime's templates as real jobs show them
// (protocol.md); when more than 300 s are left it writes about every 2 minutes. The other lines'
// wording is the emulator's own.
import { createHash } from 'node:crypto';
import type { Job } from './jobs.js';
import type { AnyJobStatus, ProgressPlan } from './types.js';

/** Statuses before the pipeline starts its step: no child run and no log files yet. */
export const NOT_STARTED: readonly AnyJobStatus[] = ['NotStarted', 'Queued', 'Preparing', 'Starting', 'Provisioning'];

const NODE = '10.0.0.4';
const OVERVIEW = /^logs\/job_progress_overview\./;
const ROWS_PER_BATCH = 10;
/** With more than this left, the runtime writes its progress about every PROGRESS_EVERY_MS. */
const QUIET_ABOVE_MS = 300_000;
const PROGRESS_EVERY_MS = 120_000;

interface Line {
  at: number;
  text: string;
}

/** When the job's scoring step runs: from the end of its waiting statuses to the start of Finalizing or its end. */
export interface Timeline {
  start: number;
  scoringEnd: number;
  end: number;
  /** Nothing is written after a cancel request. */
  cutAt: number;
}

export function timeline(job: Job): Timeline {
  let t = job.createdAt;
  let start: number | undefined;
  let scoringEnd: number | undefined;
  for (const step of job.plan.steps ?? []) {
    if (start === undefined && !NOT_STARTED.includes(step.status)) start = t;
    if (start !== undefined && scoringEnd === undefined && step.status === 'Finalizing') scoringEnd = t;
    t += step.durationMs;
  }
  return { start: start ?? t, scoringEnd: scoringEnd ?? t, end: t, cutAt: job.cancelRequestedAt ?? Infinity };
}

/** "2023-05-16T22:20:53.233000", as the runtime stamps its overview (microseconds, no zone). */
function isoMicro(at: number): string {
  return new Date(at).toISOString().replace('Z', '000');
}

/** "2023-05-16 22:20:53". */
function stamp(at: number): string {
  return new Date(at)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '');
}

/** Python's str(timedelta) of whole seconds: "0:05:02". */
function timedelta(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

function hourOf(at: number): string {
  return new Date(at).toISOString().slice(0, 13).replace(/[-T]/g, '');
}

/** When each mini-batch is done: evenly over the scoring time; a failing job finishes half of them. */
function batchesDone(job: Job, tl: Timeline, count: number): number[] {
  const done = job.plan.final === 'Failed' ? Math.floor(count / 2) : job.plan.final === 'Canceled' ? 0 : count;
  const from = scheduledAt(tl);
  const span = Math.max(0, tl.scoringEnd - from);
  return Array.from({ length: done }, (_, i) => from + Math.round((span * (i + 1)) / count));
}

/** When the runtime has scheduled the mini-batches: a little after the step starts. */
function scheduledAt(tl: Timeline): number {
  return tl.start + Math.min(2_000, Math.round((tl.scoringEnd - tl.start) / 10));
}

function overviewLines(job: Job, tl: Timeline, p: ProgressPlan, count: number): Line[] {
  const scheduled = scheduledAt(tl);
  const lines: Line[] = [
    { at: tl.start, text: 'Start the simulator.' },
    { at: tl.start, text: `The overviewer on ${NODE} started.` },
    {
      at: scheduled,
      text: `Scheduling finished. Scheduled ${count} mini batches in ${Math.round((scheduled - tl.start) / 1000)} seconds. There are ${count} tasks with ${count * ROWS_PER_BATCH} items.`,
    },
    { at: scheduled, text: 'No task has been processed yet.' },
  ];
  const estimate = p.runtime === 'older' ? 'Estimate remaining' : 'Estimated remaining time';
  let written = -Infinity;
  batchesDone(job, tl, count).forEach((at, i) => {
    const elapsed = at - tl.start;
    const left = ((at - scheduled) / (i + 1)) * (count - i - 1);
    if (left > QUIET_ABOVE_MS && at - written < PROGRESS_EVERY_MS) return;
    written = at;
    lines.push({ at, text: `Processed ${i + 1} of ${count} mini batches in ${timedelta(elapsed)}. ${estimate} ${timedelta(left)}.` });
  });
  if (job.plan.final === 'Failed') {
    const message = job.plan.error?.message ?? 'The job failed.';
    lines.push(
      { at: tl.end, text: `The job failed: ${message}` },
      { at: tl.end, text: 'Start the troubleshooting with logs/user/error.txt and logs/user/error/.' },
    );
  } else if ((job.plan.final ?? 'Completed') === 'Completed') {
    lines.push({ at: tl.scoringEnd, text: `All ${count} mini batches have been processed.` });
  }
  lines.push({ at: tl.end, text: `The overviewer on ${NODE} stopped.` });
  const stalled = p.stallAfterMs === undefined ? Infinity : tl.start + p.stallAfterMs;
  return lines.filter((l) => l.at <= stalled).map((l) => ({ at: l.at, text: `${isoMicro(l.at)} ${l.text}` }));
}

/** The scoring script's own output: its start, one line per mini-batch, any lines the plan adds. */
function scriptLines(job: Job, tl: Timeline, p: ProgressPlan, count: number): Line[] {
  const lines: Line[] = [
    { at: tl.start, text: `${stamp(tl.start)} INFO Starting the scoring script batch_driver.py` },
    { at: tl.start, text: `${stamp(tl.start)} INFO Loading the model` },
    ...(p.scriptLines ?? []).map((text) => ({ at: tl.start, text })),
  ];
  batchesDone(job, tl, count).forEach((at, i) =>
    lines.push({ at, text: `${stamp(at)} INFO batch_driver.run: mini batch ${i + 1} of ${count} → ${ROWS_PER_BATCH} rows scored` }),
  );
  return lines;
}

/**
 * What a file holds at `now`, and when it last changed: every line written by then and, for a
 * writer that flushes as it goes, the line being written cut where the writer is (byte by byte).
 */
function contentAt(lines: Line[], now: number, partial: boolean, born: number): { content: Buffer; changed: number } {
  const done = lines.filter((l) => l.at <= now);
  const text = Buffer.from(done.map((l) => `${l.text}\n`).join(''), 'utf8');
  const last = done.at(-1)?.at ?? born;
  const next = lines[done.length];
  if (!partial || !next || done.length === 0 || next.at <= last) return { content: text, changed: last };
  const bytes = Buffer.from(`${next.text}\n`, 'utf8');
  const cut = Math.floor((bytes.length * (now - last)) / (next.at - last));
  return { content: Buffer.concat([text, bytes.subarray(0, cut)]), changed: cut > 0 ? now : last };
}

function failureFiles(job: Job, tl: Timeline): Record<string, Line[]> {
  const t = stamp(tl.end);
  const message = job.plan.error?.message ?? 'The job failed.';
  const at = (text: string) => ({ at: tl.end, text });
  return {
    'logs/user/error.txt': [at(`${t} ERROR ${job.plan.error?.code ?? 'UserError'}: ${message}`)],
    [`logs/user/error/${NODE}/process000.txt`]: [
      'Traceback (most recent call last):',
      '  File "/mnt/azureml/cr/j/driver/amlbi_main.py", line 241, in run',
      '    result = self.run_function(mini_batch)',
      '  File "/mnt/azureml/cr/j/code/batch_driver.py", line 31, in run',
      '    predictions = model.predict(data)',
      `Exception: ${message}`,
    ].map(at),
  };
}

/** Every file of the batchscoring step, as lines with the time each is written. */
function stepFiles(job: Job, tl: Timeline): Record<string, Line[]> {
  const p = job.plan.progress ?? {};
  const count = p.miniBatches ?? 10;
  const failed = job.plan.final === 'Failed';
  const t = (at: number) => stamp(at);
  const overview = overviewLines(job, tl, p, count);
  const files: Record<string, Line[]> = {
    'logs/sys/master_role.txt': [
      { at: tl.start, text: `${t(tl.start)} INFO Start processing.` },
      { at: tl.start, text: `${t(tl.start)} INFO ${count} mini batches were created.` },
      ...(failed
        ? [
            { at: tl.end, text: `${t(tl.end)} ERROR The job failed with error: ${job.plan.error?.message ?? 'The job failed.'}` },
            { at: tl.end, text: `${t(tl.end)} INFO Finalizing run.` },
          ]
        : []),
    ],
    'azureml-logs/70_driver_log.txt': [
      { at: tl.start, text: `[${t(tl.start)}] Entering context manager injector.` },
      { at: tl.start, text: `[${t(tl.start)}] Starting the parallel run driver.` },
      ...(failed
        ? [
            {
              at: tl.end,
              text: `[${t(tl.end)}] User program failed with Exception: Run failed. Please check logs for details. You can check logs/readme.txt for the layout of logs.`,
            },
          ]
        : []),
    ],
    'user_logs/std_log.txt': scriptLines(job, tl, p, count),
    [`logs/user/stdout/${NODE}/process000.stdout.txt`]: batchesDone(job, tl, count).map((at, i) => ({
      at,
      text: `Scoring mini batch ${i + 1}: ${ROWS_PER_BATCH} files`,
    })),
    // Created when the process starts and never written: clients skip it.
    [`logs/user/stderr/${NODE}/process000.stderr.txt`]: [],
    ...(failed ? failureFiles(job, tl) : {}),
  };
  if (p.runtime === 'older') files['logs/overview.txt'] = overview;
  else for (const line of overview) (files[`logs/job_progress_overview.${hourOf(line.at)}.txt`] ??= []).push(line);
  return files;
}

/** The pipeline run's own execution log. */
function jobFiles(job: Job, tl: Timeline): Record<string, Line[]> {
  const at = (when: number, text: string) => ({ at: when, text: `[${stamp(when)}] ${text}` });
  const lines = [at(tl.start, `Submitting 1 runs, first five are: batchscoring:${job.childRunId}`)];
  if (job.plan.final === 'Failed') lines.push(at(tl.end, 'Execution of experiment failed, update experiment status and cancel running nodes.'));
  else if ((job.plan.final ?? 'Completed') === 'Completed') lines.push(at(tl.end, `Completing processing run id ${job.childRunId}.`));
  return { 'logs/azureml/executionlogs.txt': lines };
}

export interface LogBlob {
  content: Buffer;
  etag: string;
  lastModified: number;
}

/** The log files of the job (parent) or its batchscoring step at `now`: those that exist then. */
export function logsAt(job: Job, child: boolean, now: number): Record<string, LogBlob> {
  const tl = timeline(job);
  const at = Math.min(now, tl.cutAt);
  if (child && job.plan.logs) {
    return Object.fromEntries(Object.entries(job.plan.logs).map(([path, text]) => [path, blob(Buffer.from(text, 'utf8'), tl.start)]));
  }
  const out: Record<string, LogBlob> = {};
  for (const [path, lines] of Object.entries(child ? stepFiles(job, tl) : jobFiles(job, tl))) {
    // Files exist from the step's start, empty until written; a rotated overview from its first line.
    const born = OVERVIEW.test(path) ? (lines[0]?.at ?? Infinity) : tl.start;
    if (born > at) continue;
    // The scoring script's output is flushed as it comes, so a read may end inside a line.
    const { content, changed } = contentAt(lines, at, path === 'user_logs/std_log.txt', born);
    out[path] = blob(content, changed);
  }
  return out;
}

function blob(content: Buffer, lastModified: number): LogBlob {
  return { content, lastModified, etag: `"0x${createHash('sha256').update(content).digest('hex').slice(0, 15).toUpperCase()}"` };
}

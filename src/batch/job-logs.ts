// The lines of a failed batch job's own logs that name the failure. Read as `az ml job stream`
// reads logs (run details → logFiles → a plain GET of each SAS URL, no token; a 404 is an empty
// file), applied to the job's batchscoring child, whose logs hold the scoring step, and then to the
// job itself. Which files and which lines: Microsoft Learn's "Troubleshoot batch endpoints" (its
// log table and the messages it lists).
import { describeUrl, type Http } from '../azure/http.js';
import { connectionFailure, explainConnectionError, type Privacy } from '../azure/network.js';
import type { LogSink } from '../online/model-logs.js';
import { describeThrown } from '../reporting/errors.js';
import { readLogBlob } from './log-blob.js';
import type { RunHistory } from './run-history.js';

/** Log lines shown at most. */
export const JOB_LOG_LINES = 100;

/**
 * The step's log files worth reading, best first: the job's result and error summaries, the full
 * stack traces, the progress overview and the orchestrator's view, the driver log, the user log.
 */
const CHILD_FILES: RegExp[] = [
  /(^|\/)job_result\.txt$/i,
  /^logs\/user\/error\.txt$/i,
  /(^|\/)job_error\.txt$/i,
  /^logs\/user\/error\//i,
  /^logs\/job_progress_overview[^/]*\.txt$/i,
  /^logs\/sys\/master_role\.txt$/i,
  /^azureml-logs\/70_driver_log[^/]*\.txt$/i,
  /^user_logs\/std_log[^/]*\.txt$/i,
];
/** The pipeline's own execution log (azure-ai-ml's PIPELINE_JOB_LOG_PATTERN). */
const PARENT_FILES: RegExp[] = [/^logs\/azureml\/executionlogs\.txt$/i];

/** The files of a logFiles map that match, in the order of the patterns (then by name). */
export function selectLogFiles(logFiles: Record<string, string>, patterns: RegExp[] = CHILD_FILES): { path: string; url: string }[] {
  const rank = (path: string) => patterns.findIndex((p) => p.test(path));
  return Object.entries(logFiles)
    .filter(([path]) => rank(path) >= 0)
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([path, url]) => ({ path, url }));
}

/**
 * A line that names a failure: an error or exception, a failed step, or one of the messages the
 * troubleshooting guide lists (missing module, no progress, a dataset that cannot be mounted, no
 * mini batch succeeded, no deployment to route to).
 */
const FAILURE =
  /\b(error|exception|failed|failure)\b|no module named|no progress update|can(no|')t mount|no succeeded mini batch|no valid deployments to route to|\w+(Error|Exception):/i;

/** A line's text without its leading timestamp and level, to tell repeats across files. */
function gist(line: string): string {
  return line
    .replace(/^\[?\d{4}-\d{2}-\d{2}[ T][\d:.,]+Z?\]?\s*/, '')
    .replace(/^(INFO|ERROR|WARNING|DEBUG|[EIWD])\s+/, '')
    .trim();
}

/** The lines of one log that name a failure; a Python traceback is kept whole, up to its exception. */
export function failureLines(text: string): string[] {
  const out: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/Traceback \(most recent call last\)/.test(line)) {
      out.push(line);
      for (i++; i < lines.length; i++) {
        out.push(lines[i]);
        if (!/^\s/.test(lines[i])) break;
      }
    } else if (FAILURE.test(line)) out.push(line);
  }
  return out.filter((l) => l.trim() !== '');
}

export interface JobLogs {
  /** Per file, the lines that name the failure (JOB_LOG_LINES in all at most). */
  files: { path: string; lines: string[] }[];
  /** Why some logs could not be read (one line each). */
  notes: string[];
}

/** Keeps at most `max` lines in all, each said once across files. */
export function pickLines(files: { path: string; text: string }[], max = JOB_LOG_LINES): { path: string; lines: string[] }[] {
  const seen = new Set<string>();
  const out: { path: string; lines: string[] }[] = [];
  let total = 0;
  for (const f of files) {
    const lines: string[] = [];
    for (const line of failureLines(f.text)) {
      const key = gist(line);
      // Traceback frames repeat across processes; they are kept with their traceback.
      if (!/^\s/.test(line) && seen.has(key)) continue;
      seen.add(key);
      if (total >= max) break;
      lines.push(line);
      total++;
    }
    if (lines.length) out.push({ path: f.path, lines });
    if (total >= max) break;
  }
  return out;
}

/**
 * Reads the failed job's logs: its batchscoring child's files, then its own execution log.
 * Never throws: what cannot be read becomes a note.
 */
export async function readJobLogs(p: { history: RunHistory; http: Http; job: string; privacy?: Privacy }): Promise<JobLogs> {
  const notes: string[] = [];
  const sources: { path: string; url: string }[] = [];
  try {
    const child = (await p.history.children(p.job)).find((c) => c.moduleName === 'batchscoring');
    if (child) sources.push(...selectLogFiles((await p.history.details(child.runId)).logFiles));
    else notes.push(`Run history lists no batchscoring step for job ${p.job}: it failed before scoring started.`);
  } catch (err) {
    notes.push(`The scoring step's logs were not listed: ${describeThrown(err)}.`);
  }
  try {
    sources.push(...selectLogFiles((await p.history.details(p.job)).logFiles, PARENT_FILES));
  } catch (err) {
    notes.push(`The job's own logs were not listed: ${describeThrown(err)}.`);
  }
  const texts = await Promise.all(
    sources.map(async ({ path, url }) => {
      try {
        const file = await readLogBlob(p.http, url);
        if (file.kind === 'refused') notes.push(`${path} was not read (HTTP ${file.status} from ${describeUrl(url)}).`);
        return { path, text: file.kind === 'bytes' ? file.bytes.toString('utf8') : '' };
      } catch (err) {
        const code = (err as { code?: string }).code ?? (err as Error).name;
        // Every file is on the same storage account: one line says it for all.
        if (connectionFailure(code)) {
          notes.push(explainConnectionError({ code, what: 'storage account', host: describeUrl(url).split('/')[0], privacy: p.privacy }).headline);
        } else notes.push(`${path} was not read: ${describeThrown(err)}`);
        return { path, text: '' };
      }
    }),
  );
  return { files: pickLines(texts), notes: [...new Set(notes)] };
}

/** Lines of the logs repeated in the error annotation at most. */
const ANNOTATION_LINES = 10;

/**
 * Prints the lines in the current log group and the summary; returns what the error annotation
 * repeats: the first lines, or why there are none.
 */
export function showJobLogs(sink: Pick<LogSink, 'info' | 'section'>, job: string, logs: JobLogs): string[] {
  for (const f of logs.files) {
    sink.info(`── ${f.path}`);
    for (const line of f.lines) sink.info(line);
  }
  for (const note of logs.notes) sink.info(note);
  const total = logs.files.reduce((t, f) => t + f.lines.length, 0);
  if (total === 0) {
    sink.info('No log line names the failure.');
    return [...logs.notes, `No line of the job's logs names the failure; see them in the studio.`];
  }
  sink.section(
    [`### Job logs that name the failure (${job})`, '', ...logs.files.flatMap((f) => [`\`${f.path}\``, '', '```text', ...f.lines, '```', ''])].join('\n'),
  );
  const first: string[] = [];
  let left = ANNOTATION_LINES;
  for (const f of logs.files) {
    if (left <= 0) break;
    first.push(`  ${f.path}:`, ...f.lines.slice(0, left).map((l) => `    ${l}`));
    left -= f.lines.length;
  }
  return [
    `Its logs name the failure (${total} line${total === 1 ? '' : 's'} in the log group 'Job logs: ${job}' and the job summary):`,
    ...first,
    ...logs.notes,
  ];
}

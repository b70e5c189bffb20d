// The job's outputs back: where they are (the location the job was told, or, for the default
// output, where azure-ai-ml's jobs.download finds it: run history's 'batchscoring' child, its
// 'score' output in the default datastore), and the download itself, streamed to disk, several
// files at once.
import { mkdirSync, openSync, readSync, closeSync } from 'node:fs';
import nodePath, { dirname, join, type PlatformPath } from 'node:path';
import type { Log } from '../azure/http.js';
import type { RunHistory } from '../batch/run-history.js';
import type { Inputs } from '../inputs.js';
import { ActionError } from '../reporting/errors.js';
import type { ContainerClient } from './blob.js';
import { inside } from './local.js';
import { eachLimited, mb, Progress } from './progress.js';

const FILES_AT_ONCE = 8;

/** Where the default output of a model deployment's job went, as jobs.download looks for it. */
export async function defaultOutputUri(
  runHistory: () => Promise<RunHistory | undefined>,
  inputs: Pick<Inputs, 'workspace'>,
  job: string,
  defaultDatastore: () => Promise<string>,
): Promise<string> {
  const history = await runHistory();
  if (!history) throw new ActionError('azure', `Workspace '${inputs.workspace}' names no run history service, so job ${job}'s output cannot be found.`);
  // Read beside the run's steps (one round trip, not two); its failure counts only once a step is found.
  const datastore = defaultDatastore();
  datastore.catch(() => undefined);
  const runs = await history.children(job);
  const scoring = runs.find((r) => r.moduleName === 'batchscoring');
  if (!scoring) {
    throw new ActionError(
      'not-found',
      `Set 'outputs' to download a pipeline component's outputs: job ${job} has no 'batchscoring' step, so it has no default output (it has ${runs.length} step(s)).`,
    );
  }
  return `azureml://datastores/${await datastore}/paths/azureml/${scoring.runId}/score/`;
}

/**
 * Where a blob, named `rel` below the path downloaded, is written in `dest`, and that file's name
 * relative to `dest`, '/'-separated (the downloaded-files output); undefined for a name that cannot
 * be a file there: one leading out of `dest` ('../'), or, under Windows' rules, holding a character
 * Windows forbids in a file name (a ':' would write a file's alternate stream).
 */
export function downloadTarget(dest: string, rel: string, p: Pick<PlatformPath, 'isAbsolute' | 'relative' | 'resolve' | 'sep'> = nodePath) {
  // eslint-disable-next-line no-control-regex -- the characters Windows forbids in a name
  if (p.sep === '\\' && /[<>:"|?*\x00-\x1f]/.test(rel)) return undefined;
  const target = p.resolve(dest, rel);
  const file = p.relative(dest, target);
  return file && inside(target, dest, p) ? { target, file: file.split(p.sep).join('/') } : undefined;
}

/**
 * Downloads what a datastore path holds into `dest`: a blob of that exact name as one file, else
 * everything under it as a folder (trees kept). Returns the files written, relative to `dest`.
 */
export async function downloadPath(container: ContainerClient, path: string, dest: string, log: Log): Promise<string[]> {
  const exact = !path.endsWith('/') && (await container.getBlobClient(path).exists());
  const prefix = exact ? path : `${path.replace(/\/+$/, '')}/`;
  const blobs: { name: string; size: number; target: string; file: string }[] = [];
  const unfit: string[] = [];
  for await (const b of container.listBlobsFlat({ prefix, includeMetadata: true })) {
    if (b.metadata?.hdi_isfolder === 'true') continue;
    if (exact && b.name !== path) continue;
    const rel = exact ? b.name.slice(b.name.lastIndexOf('/') + 1) : b.name.slice(prefix.length);
    if (!rel) continue; // the folder itself
    const at = downloadTarget(dest, rel);
    if (at) blobs.push({ name: b.name, size: b.properties.contentLength ?? 0, ...at });
    else unfit.push(b.name);
  }
  if (unfit.length) log.warning(`Not downloaded: ${unfit.length} file(s) whose names cannot be files in ${dest}, such as '${unfit[0]}'.`);
  if (blobs.length === 0) throw new ActionError('not-found', `The job's output at '${path}' in container '${container.containerName}' holds no file.`);
  const total = blobs.reduce((t, b) => t + b.size, 0);
  log.info(`Downloading ${blobs.length} file(s), ${mb(total)} MB, into ${dest}`);
  const progress = new Progress(log, 'Downloading', blobs.length, total);
  let done;
  try {
    await eachLimited(blobs, FILES_AT_ONCE, async (b) => {
      mkdirSync(dirname(b.target), { recursive: true });
      await container
        .getBlobClient(b.name)
        .downloadToFile(b.target, 0, undefined, { maxRetryRequests: 5, onProgress: (p) => progress.update(b.name, p.loadedBytes) });
      progress.fileDone(b.name, b.size);
    });
  } finally {
    done = progress.finish();
  }
  log.info(`Downloaded ${blobs.length} file(s), ${mb(done.bytes)} MB in ${done.seconds.toFixed(1)} s (${done.mbPerSecond.toFixed(1)} MB/s).`);
  return blobs.map((b) => b.file).sort();
}

/** Each line as a JSON object (a value that is not one as {value}); undefined when a line is not JSON. */
function jsonRecords(lines: string[]): Record<string, unknown>[] | undefined {
  const records: Record<string, unknown>[] = [];
  for (const l of lines) {
    try {
      const v = JSON.parse(l) as unknown;
      records.push(v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v });
    } catch {
      return undefined;
    }
  }
  return records;
}

/** The first rows of a CSV or JSON-lines file as a markdown table (at most 10 rows, 8 columns), read from its first 64 KiB. */
export function previewTable(file: string, maxRows = 10, maxColumns = 8): string | undefined {
  const buffer = Buffer.alloc(64 * 1024);
  const fd = openSync(file, 'r');
  let read: number;
  try {
    read = readSync(fd, buffer, 0, buffer.length, 0);
  } finally {
    closeSync(fd);
  }
  const lines = buffer.subarray(0, read).toString('utf8').split(/\r?\n/);
  if (read === buffer.length) lines.pop(); // the last line may be cut
  const nonEmpty = lines.filter((l) => l.trim() !== '');
  let header: string[];
  let rows: string[][];
  if (/\.jsonl?$/i.test(file)) {
    const records = jsonRecords(nonEmpty.slice(0, maxRows));
    if (!records?.length) return undefined;
    header = [...new Set(records.flatMap((r) => Object.keys(r)))];
    rows = records.map((r) => header.map((k) => (typeof r[k] === 'string' ? r[k] : (JSON.stringify(r[k]) ?? ''))));
  } else if (/\.(csv|tsv|txt)$/i.test(file)) {
    const split = (l: string) => splitCsv(l, /\.tsv$/i.test(file) ? '\t' : ',');
    if (nonEmpty.length === 0) return undefined;
    header = split(nonEmpty[0]);
    rows = nonEmpty.slice(1, maxRows + 1).map(split);
  } else return undefined;
  const cell = (s: string) => (s.length > 40 ? `${s.slice(0, 37)}...` : s).replace(/\|/g, '\\|');
  const cols = Math.min(header.length, maxColumns);
  const line = (cells: string[]) => `| ${Array.from({ length: cols }, (_, i) => cell(cells[i] ?? '')).join(' | ')} |`;
  return [line(header), `|${' --- |'.repeat(cols)}`, ...rows.map(line)].join('\n');
}

/** One CSV line's fields, quotes honoured. */
function splitCsv(line: string, sep: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') field += line[++i];
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === sep) {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}

/** The file a preview is made of: the first CSV / JSON-lines file downloaded. */
export function previewable(dest: string, files: string[]): string | undefined {
  const hit = files.find((f) => /\.(csv|tsv|txt|jsonl?)$/i.test(f));
  return hit ? join(dest, hit) : undefined;
}

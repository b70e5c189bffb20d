// Reading one log file of a job: the SAS URL run history lists (logFiles) read with a plain GET and
// no token, as azure-ai-ml's jobs.stream() does; a 404 is a file not written yet. A follower reads
// only what is new: a Range from the last offset (206 with Content-Range; 416 InvalidRange with
// Content-Range: bytes */<size> when nothing was added) and If-None-Match with the last ETag (304
// when the blob did not change), as Blob storage answers them (Learn, "Specifying the range header
// for Blob service operations", "Specifying conditional headers"). A service that ignores the
// range answers 200 with the whole blob: the caller skips what it has seen.
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import type { Http } from '../azure/http.js';

export type LogBlob =
  /** Bytes of the file from `from`; `size` the whole file's, when the answer says it. */
  | { kind: 'bytes'; from: number; bytes: Buffer; size?: number; etag?: string; date?: number }
  /** Nothing new: 304 (same ETag) or 416 (nothing past `from`). */
  | { kind: 'unchanged'; size?: number; date?: number }
  | { kind: 'missing'; date?: number }
  | { kind: 'refused'; status: number; date?: number };

export interface LogBlobRead {
  /** First byte wanted (with maxBytes: a Range read). */
  from?: number;
  /** At most this many bytes from `from`. */
  maxBytes?: number;
  /** The ETag of the last read: an unchanged blob answers 304. */
  etag?: string;
  timeoutMs?: number;
}

const TOTAL = /^bytes (?:(\d+)-\d+|\*)\/(\d+)$/;

/** The service's clock, from its Date header. */
function dateOf(header: string | undefined): number | undefined {
  const t = header ? Date.parse(header) : NaN;
  return Number.isNaN(t) ? undefined : t;
}

async function collect(body: NodeJS.ReadableStream | undefined, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  if (!body) return Buffer.alloc(0);
  for await (const chunk of body as AsyncIterable<Buffer | string>) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    chunks.push(b);
    size += b.length;
    // A service that sent the whole of a large blob: what is past the limit is read next time.
    if (size >= limit) {
      (body as unknown as { destroy?(): void }).destroy?.();
      break;
    }
  }
  return Buffer.concat(chunks);
}

/** One read of a log file; throws only when no answer came. */
export async function readLogBlob(http: Http, url: string, r: LogBlobRead = {}): Promise<LogBlob> {
  const from = r.from ?? 0;
  const request = createPipelineRequest({
    url,
    method: 'GET',
    abortSignal: AbortSignal.timeout(r.timeoutMs ?? 30_000),
    streamResponseStatusCodes: new Set([200, 206]),
  });
  if (r.maxBytes !== undefined) request.headers.set('range', `bytes=${from}-${from + r.maxBytes - 1}`);
  if (r.etag) request.headers.set('if-none-match', r.etag);
  const res = await http.reads.sendRequest(http.client, request);
  const date = dateOf(res.headers.get('date'));
  const range = TOTAL.exec(res.headers.get('content-range') ?? '');
  const size = range ? Number(range[2]) : undefined;
  if (res.status === 200 || res.status === 206) {
    const start = res.status === 206 && range?.[1] !== undefined ? Number(range[1]) : 0;
    // A 200 holds the whole blob: what is before `from` counts against the limit too.
    const limit = r.maxBytes === undefined ? Infinity : r.maxBytes + (from - start);
    const bytes = await collect(res.readableStreamBody, limit);
    const whole = res.status === 200 ? Number(res.headers.get('content-length') ?? NaN) : NaN;
    return { kind: 'bytes', from: start, bytes, size: size ?? (Number.isNaN(whole) ? undefined : whole), etag: res.headers.get('etag'), date };
  }
  if (res.status === 304 || res.status === 416) return { kind: 'unchanged', size, date };
  if (res.status === 404) return { kind: 'missing', date };
  return { kind: 'refused', status: res.status, date };
}

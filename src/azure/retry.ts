// When and how long to wait before trying a request again. Pure: the pipeline policy in http.ts
// and the job poller apply these schedules; tests check them directly.

/** Statuses that say "try again later" rather than "this request is wrong". */
const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** Socket-level failures worth a second try (Node and undici spellings). */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ESOCKETTIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'REQUEST_SEND_ERROR',
]);

export interface BackoffOptions {
  /** First full-jitter window (default 1 s). */
  baseMs: number;
  /** Largest window (default 30 s). */
  maxMs: number;
  /** Longest Retry-After honoured; longer answers are clamped (default 120 s). */
  maxRetryAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1_000, maxMs: 30_000, maxRetryAfterMs: 120_000 };

export function isTransientStatus(status: number | undefined): boolean {
  return status !== undefined && TRANSIENT_STATUS.has(status);
}

/**
 * Whether a call that failed for good, after the transport's own retries, may still pass later: no
 * answer at all, 429 or any 5xx. Broader than isTransientStatus, which decides single retries.
 */
export function isRetryableStatus(status?: number): boolean {
  return status === undefined || status === 429 || status >= 500;
}

export function isTransientErrorCode(code: string | undefined): boolean {
  return code !== undefined && TRANSIENT_CODES.has(code);
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unusable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === undefined || value === null || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/**
 * Full-jitter exponential backoff: a random wait in [window/2, window] where the window doubles
 * each attempt from baseMs up to maxMs. (Half the window at least, so retries never hammer.)
 */
export function backoffMs(attempt: number, random: () => number, opts: BackoffOptions = DEFAULT_BACKOFF): number {
  const window = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, attempt));
  return Math.round(window / 2 + random() * (window / 2));
}

/** The wait before retry number `attempt` (0-based): the server's Retry-After wins when given. */
export function retryDelayMs(attempt: number, retryAfterMs: number | undefined, random: () => number, opts: BackoffOptions = DEFAULT_BACKOFF): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, opts.maxRetryAfterMs);
  return backoffMs(attempt, random, opts);
}

const REASONS: Record<number, string> = {
  408: 'Request Timeout',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** "503 Service Unavailable" or "connection reset (ECONNRESET)": the reason a retry log line gives. */
export function describeTransient(status: number | undefined, code: string | undefined): string {
  if (status !== undefined) return `${status}${REASONS[status] ? ` ${REASONS[status]}` : ''}`;
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') return `connection reset (${code})`;
  if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return `timed out (${code})`;
  if (code === 'ECONNREFUSED') return 'connection refused (ECONNREFUSED)';
  return code ? `network error (${code})` : 'network error';
}

/**
 * Seconds between job status reads: about 2 s at first, a tenth of the time waited so far after
 * that (so an end is noticed within max(2 s, 10 %)), never more than 30 s.
 */
export function pollIntervalMs(elapsedMs: number): number {
  return Math.min(30_000, Math.max(2_000, Math.round(elapsedMs / 10)));
}

// The online inputs: the request body or bodies (inline, a file, or a .jsonl file of one request per
// line), its content type, how many go at once, and the latency a smoke test allows.
import { Input } from '../constants.js';
import { bad, matches, optional, positiveNumber, text, type InputGroup, type Read } from '../input-parsing.js';

export interface OnlineRequest {
  /** Where the body came from, for messages: 'request' or the file path. */
  source: string;
  /** One body per request: a single request, or one per line of a .jsonl file. */
  bodies: string[];
  jsonl: boolean;
}

/** What parseOnlineInvoke reads, on an online run only. */
export interface OnlineInvokeInputs {
  request?: OnlineRequest;
}

/** Read on every run, whatever the endpoint type. */
export interface OnlineInputs {
  contentType: string;
  concurrency: number;
  maxLatencyMs?: number;
}

const MIME = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+(?:\s*;.*)?$/i;

export const ONLINE_INPUTS = {
  concern: 'online',
  onlyFor: 'online',
  inputs: {
    request: { name: Input.request, verbatim: true, description: 'Online: the request body inline. Not with request-file.', parse: text },
    requestFile: { name: Input.requestFile, description: 'Online: path to the request body; a .jsonl file sends one request per line.', parse: text },
    contentType: {
      name: Input.contentType,
      default: 'application/json',
      description: 'Online: content type of the request.',
      parse: (name, raw) => matches(name, raw, MIME, "use a media type such as 'application/json' or 'text/csv'."),
    },
    concurrency: {
      name: Input.concurrency,
      default: '4',
      description: 'Online, .jsonl request-file: requests in flight at once.',
      parse: (name, raw) => positiveNumber(name, raw, { integer: true, max: 64 }),
    },
    maxLatencyMs: {
      name: Input.maxLatencyMs,
      description: 'Online: fail when the p95 latency exceeds this many milliseconds (smoke tests).',
      parse: optional((name, raw) => positiveNumber(name, raw)),
    },
  },
} satisfies InputGroup;

const rows = ONLINE_INPUTS.inputs;

/** What an online run sends. needsBody is false with check-permissions: only, which sends nothing. */
export function parseOnlineInvoke(read: Read, readFile: (path: string) => string, contentType: string, needsBody: boolean): OnlineInvokeInputs {
  return { request: parseRequest(read, readFile, contentType, needsBody) };
}

/** A batch run's online invocation: none. */
export function noOnlineInvoke(): OnlineInvokeInputs {
  return { request: undefined };
}

/** The request body or bodies; JSON content is checked here so a typo never reaches the endpoint. */
function parseRequest(read: Read, readFile: (path: string) => string, contentType: string, needsBody: boolean): OnlineRequest | undefined {
  const inline = read(rows.request);
  const file = read(rows.requestFile);
  if (inline && file) bad(Input.request, inline, `set either '${Input.request}' or '${Input.requestFile}', not both.`);
  const json = /^application\/([\w.+-]*\+)?json\b/i.test(contentType);
  if (inline) {
    if (json) checkJson(Input.request, inline);
    return { source: Input.request, bodies: [inline], jsonl: false };
  }
  if (!file) {
    if (needsBody) {
      bad(
        Input.request,
        '',
        `an online invoke needs a body: set '${Input.request}' (inline) or '${Input.requestFile}' (a file; .jsonl sends one request per line).`,
      );
    }
    return undefined;
  }
  const body = readRequestFile(file, readFile);
  if (/\.jsonl$/i.test(file)) return { source: file, bodies: jsonLines(file, body), jsonl: true };
  if (json) checkJson(Input.requestFile, body, file);
  return { source: file, bodies: [body], jsonl: false };
}

function readRequestFile(file: string, readFile: (path: string) => string): string {
  try {
    return readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : String(code ?? err);
    return bad(Input.requestFile, file, `cannot read it (${why}); give a path relative to the workspace checkout.`);
  }
}

/** The requests of a .jsonl file, one a line, each valid JSON. */
function jsonLines(file: string, body: string): string[] {
  const bodies: string[] = [];
  body.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      JSON.parse(line);
    } catch (err) {
      bad(Input.requestFile, file, `line ${i + 1} is not valid JSON (${(err as Error).message}); a .jsonl file holds one JSON request per line.`);
    }
    bodies.push(line);
  });
  if (bodies.length === 0) bad(Input.requestFile, file, 'the .jsonl file holds no request; write one JSON request per line.');
  return bodies;
}

function checkJson(name: string, body: string, shown = body): void {
  try {
    JSON.parse(body);
  } catch (err) {
    bad(name, shown, `it is not valid JSON (${(err as Error).message}); fix it or set 'content-type' to what it is.`);
  }
}

// The online inputs: the request body or bodies (inline, a file, or a .jsonl file of one request per
// line), its content type, how many go at once, and the latency a smoke test allows.
import { Input } from '../constants.js';
import { bad, matches, optional, positiveNumber, readInputFile, text, type InputGroup, type Read } from '../input-parsing.js';
import { AZURE_INPUTS } from '../azure/inputs.js';
import { ignoreFieldsInput, releaseGate, thresholdsInput, toleranceInput, type GateContext, type ReleaseGate } from './gate-inputs.js';

export interface OnlineRequest {
  /** Where the body came from, for messages: 'request' or the file path. */
  source: string;
  /** One body per request: a single request, or one per line of a .jsonl file. */
  bodies: string[];
  /** The line of the file each body is on (1 for a single request), and how many lines the file has. */
  lines: number[];
  lineCount: number;
  jsonl: boolean;
}

/** What parseOnlineInvoke reads, on an online run only. */
export interface OnlineInvokeInputs {
  request?: OnlineRequest;
  /** What the answers are held to (gate-inputs.ts). */
  gate?: ReleaseGate;
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
    // The release gate (gate-inputs.ts).
    expectedFile: {
      name: Input.expectedFile,
      description:
        'Online: the answers expected, a .jsonl file aligned with request-file: line N is the answer expected to request line N (an empty line expects nothing); for a single request, its answer. Matched as README "Release gates" says: partially, numbers within tolerance.',
      parse: text,
    },
    tolerance: {
      name: Input.tolerance,
      default: 'abs=1e-8,rel=1e-5',
      description:
        "Online: how close a number in an answer must be to the expected one, abs=<a>,rel=<r>, numpy's isclose rule: |actual − expected| ≤ abs + rel·|expected|.",
      parse: toleranceInput,
    },
    ignoreFields: {
      name: Input.ignoreFields,
      description: 'Online: JSON paths left out of every comparison, one per line or comma-separated: $.a.b, $.a[0], $.a[*].b, $..b (at any depth).',
      parse: ignoreFieldsInput,
    },
    compareTo: {
      name: Input.compareTo,
      description:
        "Online: a second deployment of the endpoint, the baseline (the live one): every request is also sent to it, at the same concurrency, and deployment's answers must match its answers. Needs deployment.",
      // A deployment's name, by the deployment input's own rule.
      parse: AZURE_INPUTS.inputs.deployment.parse,
    },
    thresholds: {
      name: Input.thresholds,
      // Not trimmed: an error names the line as the workflow file has it.
      verbatim: true,
      description:
        "Online: the release gate in k6's grammar, one 'metric: condition' per line: latency and latency-ratio (deployment ÷ compare-to) take avg, min, med, max, p(N); failures, mismatches and agreement take rate, count; operators < <= > >= ==. They replace the default gate: any non-2xx answer, mismatch or disagreement fails.",
      parse: thresholdsInput,
    },
    junitFile: {
      name: Input.junitFile,
      description: 'Online: path of a JUnit XML report to write, a test case per request line and per threshold, for test-report actions and dashboards.',
      parse: text,
    },
  },
} satisfies InputGroup;

const rows = ONLINE_INPUTS.inputs;

/**
 * What an online run sends, and what its answers are held to. needsBody is false with
 * check-permissions: only, which sends nothing.
 */
export function parseOnlineInvoke(
  read: Read,
  readFile: (path: string) => string,
  contentType: string,
  needsBody: boolean,
  gate: Omit<GateContext, 'request' | 'readFile'>,
): OnlineInvokeInputs {
  const request = parseRequest(read, readFile, contentType, needsBody);
  const inputs = {
    expectedFile: read(rows.expectedFile),
    tolerance: read(rows.tolerance),
    ignoreFields: read(rows.ignoreFields),
    compareTo: read(rows.compareTo),
    thresholds: read(rows.thresholds),
    junitFile: read(rows.junitFile),
  };
  return { request, gate: releaseGate(inputs, { ...gate, request, readFile }) };
}

/** A batch run's online invocation: none. */
export function noOnlineInvoke(): OnlineInvokeInputs {
  return { request: undefined, gate: undefined };
}

/** The request body or bodies; JSON content is checked here so a typo never reaches the endpoint. */
function parseRequest(read: Read, readFile: (path: string) => string, contentType: string, needsBody: boolean): OnlineRequest | undefined {
  const inline = read(rows.request);
  const file = read(rows.requestFile);
  if (inline && file) bad(Input.request, inline, `set either '${Input.request}' or '${Input.requestFile}', not both.`);
  const json = /^application\/([\w.+-]*\+)?json\b/i.test(contentType);
  if (inline) {
    if (json) checkJson(Input.request, inline);
    return { source: Input.request, bodies: [inline], lines: [1], lineCount: 1, jsonl: false };
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
  const body = readInputFile(Input.requestFile, file, readFile);
  if (/\.jsonl$/i.test(file)) return { source: file, ...jsonLines(file, body), jsonl: true };
  if (json) checkJson(Input.requestFile, body, file);
  return { source: file, bodies: [body], lines: [1], lineCount: 1, jsonl: false };
}

/** The requests of a .jsonl file, one a line, each valid JSON, with their lines and the file's line count. */
function jsonLines(file: string, body: string): Pick<OnlineRequest, 'bodies' | 'lines' | 'lineCount'> {
  const bodies: string[] = [];
  const lines: number[] = [];
  const all = body.split(/\r?\n/);
  all.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      JSON.parse(line);
    } catch (err) {
      bad(Input.requestFile, file, `line ${i + 1} is not valid JSON (${(err as Error).message}); a .jsonl file holds one JSON request per line.`);
    }
    bodies.push(line);
    lines.push(i + 1);
  });
  if (bodies.length === 0) bad(Input.requestFile, file, 'the .jsonl file holds no request; write one JSON request per line.');
  return { bodies, lines, lineCount: all.length - (all.at(-1) === '' ? 1 : 0) };
}

function checkJson(name: string, body: string, shown = body): void {
  try {
    JSON.parse(body);
  } catch (err) {
    bad(name, shown, `it is not valid JSON (${(err as Error).message}); fix it or set 'content-type' to what it is.`);
  }
}

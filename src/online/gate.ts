// The release gate: each request line judged (its answer against expected-file's, the candidate's
// against the baseline's), the run's metrics measured, and every threshold (gate-inputs.ts: those
// given, or the defaults) held against them.
import type { GateSettings, GateThreshold } from './gate-inputs.js';
import { describeMismatch, mismatches, parseAnswer } from './matching.js';
import { percentiles, type ScoredRequest } from './online.js';
import { holds, type Aggregation, type Threshold } from './thresholds.js';

export interface LineVerdict {
  /** The request's line in request-file (1 for a single request). */
  line: number;
  candidate: ScoredRequest;
  baseline?: ScoredRequest;
  /** How the answer differs from expected-file's; undefined when the line expects nothing. */
  mismatches?: string[];
  /** How the candidate's answer differs from the baseline's; undefined without compare-to. */
  disagreements?: string[];
}

export interface ThresholdResult {
  threshold: GateThreshold;
  /** NaN when nothing was measured (the metric's input is not set). */
  measured: number;
  passed: boolean;
}

export interface Judgement {
  lines: LineVerdict[];
  results: ThresholdResult[];
  passed: boolean;
  failures: number;
  /** Lines whose answer does not match expected-file's, of the lines that expect one. */
  mismatched: number;
  expecting: number;
  /** Lines where the candidate answered as the baseline did. */
  agreeing: number;
}

const ok = (r: ScoredRequest) => r.status >= 200 && r.status < 300;

/** `status 500`, or `no answer (ECONNRESET)`. */
export function statusText(r: ScoredRequest): string {
  return r.status === 0 ? `no answer (${r.errorCode ?? 'unknown'})` : `status ${r.status}`;
}

/** Judges every line and holds the run to the thresholds. `lines`: each request's line number. */
export function judge(run: { candidate: ScoredRequest[]; baseline?: ScoredRequest[]; lines: number[] }, s: GateSettings): Judgement {
  const verdicts = run.candidate.map((c, i) => judgeLine(run.lines[i] ?? i + 1, c, run.baseline?.[i], s.expected?.[i], s));
  const j: Omit<Judgement, 'results' | 'passed'> = {
    lines: verdicts,
    failures: verdicts.filter((v) => !ok(v.candidate)).length,
    mismatched: verdicts.filter((v) => v.mismatches?.length).length,
    expecting: verdicts.filter((v) => v.mismatches).length,
    agreeing: verdicts.filter((v) => v.disagreements?.length === 0).length,
  };
  const results = s.thresholds.map((threshold) => {
    const measured = measure(threshold, j, run);
    return { threshold, measured, passed: holds(threshold, measured) };
  });
  return { ...j, results, passed: results.every((r) => r.passed) };
}

function judgeLine(line: number, c: ScoredRequest, b: ScoredRequest | undefined, expected: unknown, s: GateSettings): LineVerdict {
  const v: LineVerdict = { line, candidate: c, baseline: b };
  const answer = ok(c) ? parseAnswer(c.body) : undefined;
  if (s.expected && expected !== undefined) {
    v.mismatches = ok(c) ? mismatches(expected, answer, s.rules).map(describeMismatch) : [`expected an answer, got ${statusText(c)}`];
  }
  if (s.compare && b) {
    const { candidate, baseline } = s.compare;
    v.disagreements =
      ok(c) && ok(b)
        ? mismatches(parseAnswer(b.body), answer, s.rules).map(describeMismatch)
        : [`'${baseline}' gave ${ok(b) ? 'an answer' : statusText(b)}, '${candidate}' ${ok(c) ? 'an answer' : statusText(c)}`];
  }
  return v;
}

/** The value a threshold's metric and aggregation take in this run. */
function measure(t: Threshold, j: Omit<Judgement, 'results' | 'passed'>, run: { candidate: ScoredRequest[]; baseline?: ScoredRequest[] }): number {
  const n = j.lines.length;
  const latencies = (rs: ScoredRequest[] | undefined) => (rs ?? []).map((r) => r.latencyMs);
  switch (t.metric) {
    case 'latency':
      return aggregate(latencies(run.candidate), t.aggregation);
    case 'latency-ratio': {
      const [c, b] = [aggregate(latencies(run.candidate), t.aggregation), aggregate(latencies(run.baseline), t.aggregation)];
      return b === 0 ? (c === 0 ? 1 : Infinity) : c / b;
    }
    case 'failures':
      return t.aggregation === 'count' ? j.failures : j.failures / n;
    case 'mismatches':
      return t.aggregation === 'count' ? j.mismatched : j.expecting === 0 ? 0 : j.mismatched / j.expecting;
    case 'agreement':
      return t.aggregation === 'count' ? j.agreeing : j.agreeing / n;
  }
}

/** avg, min, med, max or p(N) of the values (nearest rank, as the latency outputs). */
export function aggregate(values: number[], a: Aggregation): number {
  if (values.length === 0) return NaN;
  if (typeof a !== 'string') return percentiles(values, a.p)[0];
  switch (a) {
    case 'avg':
      return values.reduce((x, y) => x + y, 0) / values.length;
    case 'min':
      return values.reduce((x, y) => Math.min(x, y));
    case 'max':
      return values.reduce((x, y) => Math.max(x, y));
    case 'med':
      return percentiles(values, 50)[0];
    default:
      return NaN;
  }
}

export type ProblemKind = 'status' | 'mismatch' | 'disagreement';

/** What is wrong with a line, one `line N: …` each: its status, its mismatches, its disagreements. */
export function problems(v: LineVerdict): { kind: ProblemKind; text: string }[] {
  const at = (kind: ProblemKind) => (text: string) => ({ kind, text: `line ${v.line}: ${text}` });
  return [
    ...(ok(v.candidate) ? [] : [at('status')(statusText(v.candidate))]),
    ...(v.mismatches ?? []).map(at('mismatch')),
    ...(v.disagreements ?? []).map(at('disagreement')),
  ];
}

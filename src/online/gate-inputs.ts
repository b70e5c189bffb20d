// The release gate's inputs: expected-file, tolerance, ignore-fields, compare-to, thresholds and
// junit-file, each checked, and checked against the request and each other, before any request is
// sent: a bad one fails with one line naming the input and what to write instead. Without
// `thresholds`, the gate is the action's own rules: any non-2xx answer fails, any mismatch with
// expected-file, any disagreement with compare-to. This module is in the entry bundle: it imports
// nothing of the Azure half.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Input } from '../constants.js';
import { bad, deploymentName, readInputFile, type InputSource, type OnlineRequest } from '../inputs.js';
import { parsePath, type PathPattern } from './json-path.js';
import { DEFAULT_TOLERANCE, parseTolerance, type MatchRules, type Tolerance } from './matching.js';
import { parseThreshold, type Aggregation, type Metric, type Threshold } from './thresholds.js';

/** Where a threshold comes from: the thresholds input, max-latency-ms, or the defaults. */
export type ThresholdSource = 'thresholds' | 'max-latency-ms' | 'default';

export interface GateThreshold extends Threshold {
  source: ThresholdSource;
}

export interface GateSettings {
  /** Per request, in order: the answer expected-file expects (undefined: that line expects none). Absent without expected-file. */
  expected?: unknown[];
  rules: MatchRules;
  /** The candidate (deployment) and the baseline (compare-to), with compare-to. */
  compare?: { candidate: string; baseline: string };
  thresholds: GateThreshold[];
}

/** The thresholds a run is held to: those given, or the defaults; max-latency-ms adds its own. */
export function gateThresholds(given: Threshold[], o: { expected: boolean; compare: boolean; maxLatencyMs?: number }): GateThreshold[] {
  const rule = (metric: Metric, aggregation: Aggregation, operator: Threshold['operator'], value: number, source: ThresholdSource) => ({
    metric,
    aggregation,
    operator,
    value,
    source,
  });
  const out: GateThreshold[] =
    given.length > 0
      ? given.map((t) => ({ ...t, source: 'thresholds' as const }))
      : [
          rule('failures', 'count', '==', 0, 'default'),
          ...(o.expected ? [rule('mismatches', 'count', '==', 0, 'default')] : []),
          ...(o.compare ? [rule('agreement', 'rate', '==', 1, 'default')] : []),
        ];
  // max-latency-ms fails the run when the p95 exceeds it, so equal passes.
  if (o.maxLatencyMs !== undefined) out.push(rule('latency', { p: 95 }, '<=', o.maxLatencyMs, 'max-latency-ms'));
  return out;
}

export interface ReleaseGate extends GateSettings {
  /** Where the JUnit report goes: as given (for messages) and resolved against the workspace. */
  junitFile?: { shown: string; path: string };
}

/** The gate's inputs that apply to online endpoints only (tolerance has a default, so it is always set). */
export const RELEASE_GATE_INPUTS = [Input.expectedFile, Input.ignoreFields, Input.compareTo, Input.thresholds, Input.junitFile];

const why = (err: unknown) => (err instanceof Error ? err.message : String(err));

export function parseReleaseGate(
  source: InputSource,
  o: { request?: OnlineRequest; deployment?: string; maxLatencyMs?: number; workspaceDir: string },
): ReleaseGate {
  const get = (name: string) => source.get(name).trim();
  const expectedFile = get(Input.expectedFile);
  const expected = expectedFile && o.request ? readExpected(source, expectedFile, o.request) : undefined;
  const rules = { tolerance: tolerance(get(Input.tolerance)), ignore: ignoreFields(source.get(Input.ignoreFields)) };
  const compare = compareTo(get(Input.compareTo), o.deployment);
  const needs: Partial<Record<Metric, [string, boolean]>> = {
    mismatches: [Input.expectedFile, Boolean(expectedFile)],
    agreement: [Input.compareTo, Boolean(compare)],
    'latency-ratio': [Input.compareTo, Boolean(compare)],
  };
  const given = thresholds(source.get(Input.thresholds), needs);
  const thresholdsOf = gateThresholds(given, { expected: Boolean(expected), compare: Boolean(compare), maxLatencyMs: o.maxLatencyMs });
  return { expected, rules, compare, thresholds: thresholdsOf, junitFile: junitFile(get(Input.junitFile), o.workspaceDir) };
}

function tolerance(raw: string): Tolerance {
  if (!raw) return DEFAULT_TOLERANCE;
  try {
    return parseTolerance(raw);
  } catch (err) {
    return bad(
      Input.tolerance,
      raw,
      `${why(err)}; write abs=<a>,rel=<r> (numpy's isclose: a number matches when it differs from the expected one by at most abs + rel × its size), e.g. 'abs=1e-6,rel=1e-4'.`,
    );
  }
}

/** One path a line, or several on a line separated by commas (a comma inside brackets belongs to a name). */
function ignoreFields(raw: string): PathPattern[] {
  return raw
    .split(/\r?\n|,(?![^[]*\])/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      try {
        return parsePath(p);
      } catch (err) {
        return bad(Input.ignoreFields, p, `${why(err)}; write JSON paths such as $.request_id, $.rows[*].id or $..timestamp (any depth).`);
      }
    });
}

function compareTo(raw: string, deployment: string | undefined): GateSettings['compare'] {
  if (!raw) return undefined;
  const baseline = deploymentName(Input.compareTo, raw);
  if (!deployment) bad(Input.compareTo, raw, `set '${Input.deployment}' to the deployment compared with it (the candidate).`);
  if (baseline.toLowerCase() === deployment.toLowerCase()) {
    bad(Input.compareTo, raw, `it is '${Input.deployment}' itself; name the deployment to compare '${deployment}' with (the live one).`);
  }
  return { candidate: deployment, baseline };
}

function thresholds(raw: string, needs: Partial<Record<Metric, [string, boolean]>>): Threshold[] {
  const lines = raw.split(/\r?\n/);
  return lines.flatMap((line, i) => {
    if (line.trim() === '') return [];
    let t: Threshold;
    try {
      t = parseThreshold(line);
    } catch (err) {
      return bad(Input.thresholds, line, `line ${i + 1}: ${why(err)}.`);
    }
    const [input, set] = needs[t.metric] ?? ['', true];
    if (!set) bad(Input.thresholds, line, `line ${i + 1}: '${t.metric}' needs '${input}'; set it, or remove the line.`);
    return [t];
  });
}

function junitFile(raw: string, workspaceDir: string): ReleaseGate['junitFile'] {
  if (!raw) return undefined;
  const path = resolve(workspaceDir, raw);
  if (existsSync(path) && statSync(path).isDirectory()) bad(Input.junitFile, raw, `${path} is a folder; name a file, e.g. 'reports/smoke.xml'.`);
  return { shown: raw, path };
}

/** expected-file: per request, its expected answer (undefined where the file's line is empty). */
function readExpected(source: InputSource, file: string, request: OnlineRequest): unknown[] {
  const text = readInputFile(source, Input.expectedFile, file);
  const json = (t: string, where: string) => {
    try {
      return JSON.parse(t) as unknown;
    } catch (err) {
      return bad(Input.expectedFile, file, `${where} is not valid JSON (${why(err)}).`);
    }
  };
  if (!/\.jsonl$/i.test(file)) {
    if (request.bodies.length > 1)
      bad(Input.expectedFile, file, `it holds one answer and ${request.source} ${request.bodies.length} requests; give a .jsonl file, one answer per line.`);
    return [json(text, 'it')];
  }
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  alignedWith(request, lines, file);
  const expected = request.lines.map((n) => (lines[n - 1]?.trim() ? json(lines[n - 1], `line ${n}`) : undefined));
  if (expected.every((e) => e === undefined))
    bad(Input.expectedFile, file, 'it expects no answer: every line is empty; write the answer expected to request line N on line N.');
  return expected;
}

/**
 * Line N of expected-file is for line N of the request file: a line for each request (blank lines
 * at the end of either file aside), none expecting an answer to no request.
 */
function alignedWith(request: OnlineRequest, lines: string[], file: string): void {
  const lastFilled = lines.reduce((last, l, i) => (l.trim() ? i + 1 : last), 0);
  const requestLast = request.lines.at(-1) ?? 0;
  if (lines.length < requestLast || lastFilled > requestLast) {
    bad(
      Input.expectedFile,
      file,
      `it has ${lines.length} line${lines.length === 1 ? '' : 's'} and ${request.source} ${request.lineCount}: line N holds the answer expected to request line N (an empty line expects nothing).`,
    );
  }
  const requested = new Set(request.lines);
  const orphan = lines.findIndex((l, i) => l.trim() !== '' && !requested.has(i + 1));
  if (orphan >= 0) bad(Input.expectedFile, file, `line ${orphan + 1} expects an answer, but line ${orphan + 1} of ${request.source} holds no request.`);
}

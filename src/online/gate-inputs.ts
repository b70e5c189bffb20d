// The release gate's inputs (their rows are online/inputs.ts's): expected-file, tolerance,
// ignore-fields, compare-to, thresholds and junit-file, each checked, and checked against the
// request and each other, before any request is sent: a bad one fails with one line naming the
// input and what to write instead. Without `thresholds`, the gate is the action's own rules: any
// non-2xx answer fails, any mismatch with expected-file, any disagreement with compare-to. This
// module is in the entry bundle: it imports nothing of the Azure half.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Input } from '../constants.js';
import { bad, readInputFile } from '../input-parsing.js';
import type { OnlineRequest } from './inputs.js';
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

const why = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** What an online run's gate depends on besides its own inputs. */
export interface GateContext {
  request?: OnlineRequest;
  readFile: (path: string) => string;
  /** The candidate: the deployment input. */
  deployment?: string;
  maxLatencyMs?: number;
  /** Where junit-file is resolved: the workspace checkout. */
  workspaceDir: string;
}

/** A line of the thresholds input, read. */
export interface ThresholdLine {
  text: string;
  line: number;
  threshold: Threshold;
}

/** The gate's own inputs, each parsed by its row (online/inputs.ts). */
export interface GateInputs {
  expectedFile: string;
  tolerance: Tolerance;
  ignoreFields: PathPattern[];
  compareTo?: string;
  thresholds: ThresholdLine[];
  junitFile: string;
}

/** The release gate of an online run: its inputs checked against the request and each other. */
export function releaseGate(i: GateInputs, c: GateContext): ReleaseGate {
  const expected = i.expectedFile && c.request ? readExpected(i.expectedFile, c.request, c.readFile) : undefined;
  const compare = compareTo(i.compareTo, c.deployment);
  const needs: Partial<Record<Metric, [string, boolean]>> = {
    mismatches: [Input.expectedFile, Boolean(i.expectedFile)],
    agreement: [Input.compareTo, Boolean(compare)],
    'latency-ratio': [Input.compareTo, Boolean(compare)],
  };
  for (const t of i.thresholds) {
    const [input, set] = needs[t.threshold.metric] ?? ['', true];
    if (!set) bad(Input.thresholds, t.text, `line ${t.line}: '${t.threshold.metric}' needs '${input}'; set it, or remove the line.`);
  }
  const given = i.thresholds.map((t) => t.threshold);
  return {
    expected,
    rules: { tolerance: i.tolerance, ignore: i.ignoreFields },
    compare,
    thresholds: gateThresholds(given, { expected: Boolean(expected), compare: Boolean(compare), maxLatencyMs: c.maxLatencyMs }),
    junitFile: junitFile(i.junitFile, c.workspaceDir),
  };
}

/** tolerance's row: abs=<a>,rel=<r>. */
export function toleranceInput(name: string, raw: string): Tolerance {
  if (!raw) return DEFAULT_TOLERANCE;
  try {
    return parseTolerance(raw);
  } catch (err) {
    return bad(
      name,
      raw,
      `${why(err)}; write abs=<a>,rel=<r> (numpy's isclose: a number matches when it differs from the expected one by at most abs + rel × its size), e.g. 'abs=1e-6,rel=1e-4'.`,
    );
  }
}

/** ignore-fields' row: one path a line, or several on a line separated by commas (a comma inside brackets belongs to a name). */
export function ignoreFieldsInput(name: string, raw: string): PathPattern[] {
  return raw
    .split(/\r?\n|,(?![^[]*\])/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      try {
        return parsePath(p);
      } catch (err) {
        return bad(name, p, `${why(err)}; write JSON paths such as $.request_id, $.rows[*].id or $..timestamp (any depth).`);
      }
    });
}

/** thresholds' row: one `metric: condition` a line, blank lines aside. */
export function thresholdsInput(name: string, raw: string): ThresholdLine[] {
  return raw.split(/\r?\n/).flatMap((text, i) => {
    if (text.trim() === '') return [];
    try {
      return [{ text, line: i + 1, threshold: parseThreshold(text) }];
    } catch (err) {
      return bad(name, text, `line ${i + 1}: ${why(err)}.`);
    }
  });
}

function compareTo(baseline: string | undefined, deployment: string | undefined): GateSettings['compare'] {
  if (!baseline) return undefined;
  if (!deployment) bad(Input.compareTo, baseline, `set '${Input.deployment}' to the deployment compared with it (the candidate).`);
  if (baseline.toLowerCase() === deployment.toLowerCase()) {
    bad(Input.compareTo, baseline, `it is '${Input.deployment}' itself; name the deployment to compare '${deployment}' with (the live one).`);
  }
  return { candidate: deployment, baseline };
}

function junitFile(raw: string, workspaceDir: string): ReleaseGate['junitFile'] {
  if (!raw) return undefined;
  const path = resolve(workspaceDir, raw);
  if (existsSync(path) && statSync(path).isDirectory()) bad(Input.junitFile, raw, `${path} is a folder; name a file, e.g. 'reports/smoke.xml'.`);
  return { shown: raw, path };
}

/** expected-file: per request, its expected answer (undefined where the file's line is empty). */
function readExpected(file: string, request: OnlineRequest, readFile: (path: string) => string): unknown[] {
  const text = readInputFile(Input.expectedFile, file, readFile);
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

// What a judged run shows: the latency of each deployment side by side with its histogram, the
// thresholds with their measured values, the lines that mismatch or disagree (the first LISTED in
// the log, the summary and the error; the JUnit file has them all), and the run's error when the
// gate fails, its first line saying what to do.
import { ActionError } from '../reporting/errors.js';
import { problems, type Judgement, type ProblemKind, type ThresholdResult } from './gate.js';
import type { GateSettings } from './gate-inputs.js';
import { histogramTable } from './histogram.js';
import { percentiles, type ScoredRequest } from './online.js';
import { formatThreshold } from './thresholds.js';

/** How many mismatch lines the log, the summary and the error show. */
export const LISTED = 20;

/** The measured value with its unit: `912 ms`, `1.08`, `0.98`, `3`. */
export function formatMeasured(r: ThresholdResult): string {
  const v = r.measured;
  if (Number.isNaN(v)) return 'nothing measured';
  if (r.threshold.metric === 'latency') return `${v < 100 ? v.toFixed(1) : Math.round(v)} ms`;
  if (r.threshold.metric === 'latency-ratio') return v === Infinity ? '∞' : v.toFixed(2);
  return String(Number(v.toFixed(4)));
}

/** The scoring figures, one row per deployment, and (for more than one request) the latency histogram. */
export function latencySection(rows: { label: string; results: ScoredRequest[]; concurrency: number }[]): string {
  const ms = (v: number) => `${Math.round(v)} ms`;
  const table = [
    '| Deployment | Requests | Failed | Concurrency | p50 | p95 | p99 | max |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => {
      const failed = r.results.filter((x) => x.status < 200 || x.status >= 300).length;
      const [p50, p95, p99, max] = percentiles(
        r.results.map((x) => x.latencyMs),
        50,
        95,
        99,
        100,
      );
      return `| ${r.label} | ${r.results.length} | ${failed} | ${r.concurrency} | ${ms(p50)} | ${ms(p95)} | ${ms(p99)} | ${ms(max)} |`;
    }),
  ].join('\n');
  if (rows[0].results.length < 2) return table;
  return `${table}\n\n${histogramTable(rows.map((r) => ({ label: r.label, values: r.results.map((x) => x.latencyMs) })))}`;
}

interface Listing {
  heading: string;
  lines: string[];
}

/** The lines of each comparison the run made: with expected-file, with the baseline. */
function listings(j: Judgement, s: GateSettings): Listing[] {
  const of = (kind: ProblemKind) => j.lines.flatMap((v) => problems(v).filter((p) => p.kind === kind)).map((p) => p.text);
  const out: Listing[] = [];
  if (s.expected) out.push({ heading: `Mismatches with expected-file: ${j.mismatched} of ${j.expecting} lines`, lines: of('mismatch') });
  if (s.compare) {
    const n = j.lines.length;
    out.push({ heading: `Disagreements of '${s.compare.candidate}' with '${s.compare.baseline}': ${n - j.agreeing} of ${n} lines`, lines: of('disagreement') });
  }
  return out;
}

/** The first LISTED lines, and a last one saying where the rest are. */
function capped(lines: string[], junitFile?: string): string[] {
  if (lines.length <= LISTED) return lines;
  const where = junitFile ? `all are in ${junitFile}` : 'set junit-file to keep them all';
  return [...lines.slice(0, LISTED), `… and ${lines.length - LISTED} more (${where})`];
}

/** Whether the run has a gate beyond the plain rule that every answer is 2xx. */
export function gateShown(s: GateSettings): boolean {
  return s.thresholds.some((t) => t.source !== 'default' || t.metric !== 'failures');
}

/** The log's account of the comparisons: a heading each, then its lines. */
export function logGate(j: Judgement, s: GateSettings, info: (line: string) => void, junitFile?: string): void {
  for (const l of listings(j, s)) {
    info(`${l.heading}.`);
    for (const line of capped(l.lines, junitFile)) info(`  ${line}`);
  }
}

/** The summary's release gate: one row per threshold, then the lines that mismatch or disagree. */
export function gateSection(j: Judgement, s: GateSettings, junitFile?: string): string {
  const rows = j.results.map((r) => {
    const t = formatThreshold(r.threshold).split(': ');
    const from = r.threshold.source === 'thresholds' ? '' : ` (${r.threshold.source})`;
    return `| ${t[0]} | \`${t[1]}\`${from} | ${formatMeasured(r)} | ${r.passed ? '✅ pass' : '❌ fail'} |`;
  });
  const parts = [`### Release gate: ${j.passed ? 'passed' : 'failed'}`, '', '| Metric | Condition | Measured | |', '| --- | --- | --- | --- |', ...rows];
  for (const l of listings(j, s)) {
    parts.push('', `**${l.heading}**`);
    if (l.lines.length) parts.push('', '```', ...capped(l.lines, junitFile), '```');
  }
  return parts.join('\n');
}

/** The run's failure when a threshold is not met: what to do, then the lines that show why. */
export function gateFailure(j: Judgement, s: GateSettings, junitFile?: string): ActionError | undefined {
  const failed = j.results.filter((r) => !r.passed);
  if (failed.length === 0) return undefined;
  const details = listings(j, s).flatMap((l) => (l.lines.length ? [`${l.heading}:`, ...capped(l.lines, junitFile)] : []));
  return new ActionError('scoring', headline(failed, j, s), details);
}

function headline(failed: ThresholdResult[], j: Judgement, s: GateSettings): string {
  const [only] = failed;
  const first = (kind: ProblemKind) => j.lines.flatMap((v) => problems(v).filter((p) => p.kind === kind))[0]?.text;
  if (failed.length === 1 && only.threshold.source === 'max-latency-ms') {
    return `Make the model faster or raise max-latency-ms: the p95 latency, ${Math.round(only.measured)} ms, exceeds max-latency-ms ${only.threshold.value}.`;
  }
  if (failed.length === 1 && only.threshold.source === 'default' && only.threshold.metric === 'mismatches') {
    return `Fix the model or expected-file: ${j.mismatched} of ${j.expecting} answers differ from expected-file (${first('mismatch')}).`;
  }
  if (failed.length === 1 && only.threshold.source === 'default' && s.compare && only.threshold.metric === 'agreement') {
    const n = j.lines.length;
    return `Keep the traffic on '${s.compare.baseline}': '${s.compare.candidate}' answered ${n - j.agreeing} of ${n} requests unlike it (${first('disagreement')}).`;
  }
  const what = failed.every((r) => r.threshold.source === 'thresholds') ? "relax 'thresholds'" : 'the gate';
  const list = failed.map((r) => `${formatThreshold(r.threshold)} (measured ${formatMeasured(r)})`).join('; ');
  return `Fix the model or ${what}: ${failed.length} of ${j.results.length} thresholds not met: ${list}.`;
}

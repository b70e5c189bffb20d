// What an online run reports once it has scored: the step outputs, the summary's facts and its
// latency section (each deployment side by side, with the histogram), and the release gate: its
// outputs, its section of the summary, its lines in the log and the JUnit file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Log } from '../azure/http.js';
import { Output, RESPONSE_OUTPUT_LIMIT } from '../constants.js';
import type { OnlineRequest } from './inputs.js';
import { describeThrown } from '../reporting/errors.js';
import { truncateUtf8 } from '../reporting/format.js';
import type { Report } from '../reporting/report.js';
import type { Judgement } from './gate.js';
import { formatMeasured, gateSection, gateShown, latencySection, logGate } from './gate-report.js';
import type { ReleaseGate } from './gate-inputs.js';
import { junitReport } from './junit.js';
import { percentiles, responseFileContent, type OnlineResult } from './online.js';

export interface Scored {
  candidate: OnlineResult;
  /** The deployment scored (undefined: routed by traffic). */
  deployment?: string;
  /** With compare-to: the baseline's name and its answers. */
  baseline?: { name: string; result: OnlineResult };
  concurrency: number;
}

/** The outputs, facts and latency section of the scoring (the candidate's, with the baseline beside it). */
export function reportScored(report: Report, log: Log, s: Scored, request: OnlineRequest, writeResponse: (name: string, content: string) => string): void {
  const { results, failed, p50, p95 } = s.candidate;
  const shown = results.find((r) => r.status < 200 || r.status >= 300) ?? results[0];
  const content = responseFileContent(results, request.jsonl);
  report.output(Output.statusCode, shown.status);
  report.output(Output.response, truncateUtf8(content, RESPONSE_OUTPUT_LIMIT));
  report.output(Output.responseFile, writeResponse(request.jsonl ? 'response.jsonl' : 'response.json', content));
  report.output(Output.latencyP50Ms, Math.round(p50));
  report.output(Output.latencyP95Ms, Math.round(p95));
  report.output(
    Output.latencyP99Ms,
    Math.round(
      percentiles(
        results.map((r) => r.latencyMs),
        99,
      )[0],
    ),
  );
  report.output(Output.failedRequests, failed);
  report.fact('Requests', `${results.length} (${failed} failed)`);
  report.fact('Latency p50 / p95', `${Math.round(p50)} ms / ${Math.round(p95)} ms`);
  report.fact('Status code', String(shown.status));
  const rows = [{ label: s.deployment ?? 'by traffic', results, concurrency: s.concurrency }];
  if (s.baseline) rows.push({ label: `${s.baseline.name} (compare-to)`, results: s.baseline.result.results, concurrency: s.concurrency });
  report.section(latencySection(rows));
  log.info(`${results.length} request(s): ${failed} failed, latency p50 ${Math.round(p50)} ms, p95 ${Math.round(p95)} ms.`);
  if (s.baseline) {
    const b = s.baseline.result;
    log.info(`Baseline '${s.baseline.name}': ${b.failed} failed, latency p50 ${Math.round(b.p50)} ms, p95 ${Math.round(b.p95)} ms.`);
  }
}

/** The gate's outputs, summary section, log lines and JUnit file. */
export function reportGate(report: Report, log: Log, j: Judgement, gate: ReleaseGate, o: { suite: string; startedAt: number; seconds: number }): void {
  if (gate.expected) report.output(Output.mismatchedRequests, j.mismatched);
  if (gate.compare) report.output(Output.agreementRate, Number((j.agreeing / j.lines.length).toFixed(4)));
  const junit = gate.junitFile?.shown;
  if (gateShown(gate)) report.section(gateSection(j, gate, junit));
  logGate(j, gate, (line) => log.info(line), junit);
  if (!gate.junitFile) return;
  const xml = junitReport(j, { suite: o.suite, seconds: o.seconds, timestamp: new Date(o.startedAt).toISOString(), measured: formatMeasured });
  try {
    mkdirSync(dirname(gate.junitFile.path), { recursive: true });
    writeFileSync(gate.junitFile.path, xml);
    log.info(`JUnit report written to ${gate.junitFile.shown}.`);
  } catch (err) {
    log.warning(`junit-file ${gate.junitFile.shown} was not written: ${describeThrown(err)}`);
  }
}

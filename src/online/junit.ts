// The JUnit XML report (junit-file) that test-report actions and dashboards read: one <testsuite>,
// one <testcase> per request line (a <failure> naming its status, mismatches and disagreements,
// every one of them) and one per threshold, as k6's jUnit() summary has.
import { problems, type Judgement, type ProblemKind, type ThresholdResult } from './gate.js';
import { formatThreshold } from './thresholds.js';

export interface TestCase {
  classname: string;
  name: string;
  seconds: number;
  failure?: { type: string; message: string; text: string };
}

/** The report of a judged run; `measured` writes a threshold's measured value with its unit. */
export function junitReport(j: Judgement, o: { suite: string; seconds: number; timestamp: string; measured: (r: ThresholdResult) => string }): string {
  const cases: TestCase[] = j.lines.map((v) => {
    const found = problems(v);
    const seconds = v.candidate.latencyMs / 1000;
    if (found.length === 0) return { classname: 'requests', name: `line ${v.line}`, seconds };
    const headed = (kind: ProblemKind, heading: string) => {
      const lines = found.filter((p) => p.kind === kind).map((p) => p.text);
      return lines.length ? [heading, ...lines] : [];
    };
    const text = [
      ...headed('status', 'Status:'),
      ...headed('mismatch', 'Mismatches with expected-file:'),
      ...headed('disagreement', 'Disagreements with compare-to:'),
    ];
    return { classname: 'requests', name: `line ${v.line}`, seconds, failure: { type: found[0].kind, message: found[0].text, text: text.join('\n') } };
  });
  for (const r of j.results) {
    const name = formatThreshold(r.threshold);
    const failure = r.passed ? undefined : { type: 'threshold', message: `${name} not met: measured ${o.measured(r)}`, text: `measured ${o.measured(r)}` };
    cases.push({ classname: 'thresholds', name, seconds: 0, failure });
  }
  return junitXml(o.suite, o.seconds, o.timestamp, cases);
}

export function junitXml(suite: string, seconds: number, timestamp: string, cases: TestCase[]): string {
  const failures = cases.filter((c) => c.failure).length;
  const counts = `tests="${cases.length}" failures="${failures}" errors="0"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="azureml-invoke" ${counts} time="${seconds.toFixed(3)}">`,
    `  <testsuite name="${xml(suite)}" ${counts} skipped="0" time="${seconds.toFixed(3)}" timestamp="${xml(timestamp)}">`,
    ...cases.map(testCase),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function testCase(c: TestCase): string {
  const open = `    <testcase classname="${xml(c.classname)}" name="${xml(c.name)}" time="${c.seconds.toFixed(3)}"`;
  if (!c.failure) return `${open}/>`;
  const f = c.failure;
  return `${open}>\n      <failure type="${xml(f.type)}" message="${xml(f.message)}">${xml(f.text, false)}</failure>\n    </testcase>`;
}

// XML 1.0 has no place for most control characters, escaped or not: they are left out.
const NOT_XML = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text for XML content, or (attribute) for a quoted attribute value, where line breaks must be escaped to survive. */
export function xml(text: string, attribute = true): string {
  const escaped = text.replace(NOT_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return attribute ? escaped.replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;') : escaped.replace(/\r/g, '&#13;');
}

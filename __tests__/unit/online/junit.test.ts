// The JUnit report, read back with an XML parser as a CI dashboard reads it: one suite, a case per
// request line and per threshold, failures naming the line; any text survives escaping.
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { judge } from '../../../src/online/gate.js';
import { gateThresholds } from '../../../src/online/gate-inputs.js';
import { formatMeasured } from '../../../src/online/gate-report.js';
import { junitReport, junitXml, xml } from '../../../src/online/junit.js';
import { DEFAULT_TOLERANCE } from '../../../src/online/matching.js';
import { parseThreshold } from '../../../src/online/thresholds.js';

type Case = { classname: string; name: string; time: string; failure?: { '#text': string; message: string; type: string } };
const read = (text: string) => {
  expect(XMLValidator.validate(text)).toBe(true);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'testcase' }).parse(text) as {
    testsuites: { tests: string; failures: string; testsuite: { name: string; tests: string; failures: string; testcase: Case[] } };
  };
  return doc.testsuites;
};

describe('JUnit report', () => {
  it('has a case per request line and per threshold, each failure naming its line', () => {
    const ok = (body: unknown, latencyMs: number, status = 200) => ({ status, latencyMs, body: JSON.stringify(body) });
    const s = {
      expected: [{ label: 'cat' }, { label: 'dog' }, { label: 'cat' }],
      rules: { tolerance: DEFAULT_TOLERANCE, ignore: [] },
      compare: { candidate: 'green', baseline: 'blue' },
      thresholds: gateThresholds([parseThreshold('mismatches: count==0'), parseThreshold('latency: p(95)<1000')], { expected: true, compare: true }),
    };
    const j = judge(
      {
        candidate: [ok({ label: 'cat' }, 120), ok({ label: 'cat' }, 250), ok({ error: 'x' }, 30, 500)],
        baseline: [ok({ label: 'cat' }, 100), ok({ label: 'dog' }, 90), ok({ label: 'cat' }, 80)],
        lines: [1, 2, 4],
      },
      s,
    );
    const text = junitReport(j, { suite: 'azureml-invoke score-key/green', seconds: 1.5, timestamp: '2026-01-02T03:04:05Z', measured: formatMeasured });
    const suites = read(text);
    expect([suites.tests, suites.failures]).toEqual(['5', '3']);
    expect(suites.testsuite.name).toBe('azureml-invoke score-key/green');
    const cases = suites.testsuite.testcase;
    expect(cases.map((c) => `${c.classname} ${c.name} ${c.time}`)).toEqual([
      'requests line 1 0.120',
      'requests line 2 0.250',
      'requests line 4 0.030',
      'thresholds mismatches: count==0 0.000',
      'thresholds latency: p(95)<1000 0.000',
    ]);
    expect(cases[0].failure).toBeUndefined();
    expect(cases[1].failure).toEqual({
      type: 'mismatch',
      message: 'line 2: $.label: expected "dog", got "cat"',
      '#text': [
        'Mismatches with expected-file:',
        'line 2: $.label: expected "dog", got "cat"',
        'Disagreements with compare-to:',
        'line 2: $.label: expected "dog", got "cat"',
      ].join('\n'),
    });
    expect(cases[2].failure?.type).toBe('status');
    expect(cases[2].failure?.['#text']).toContain('Status:\nline 4: status 500\nMismatches with expected-file:\nline 4: expected an answer, got status 500');
    expect(cases[3].failure).toEqual({ type: 'threshold', message: 'mismatches: count==0 not met: measured 2', '#text': 'measured 2' });
    expect(cases[4].failure).toBeUndefined();
  });

  it('keeps any text, control characters XML cannot hold left out', () => {
    const text = fc.string({ unit: 'binary', maxLength: 40 });
    fc.assert(
      fc.property(text, text, (name, body) => {
        const doc = junitXml('suite', 0, 'now', [{ classname: 'c', name, seconds: 0, failure: { type: 't', message: name, text: body } }]);
        const parsed = new XMLParser({
          ignoreAttributes: false,
          attributeNamePrefix: '',
          trimValues: false,
          parseTagValue: false,
          parseAttributeValue: false,
          htmlEntities: true,
        });
        expect(XMLValidator.validate(doc)).toBe(true);
        const tc = (parsed.parse(doc) as { testsuites: { testsuite: { testcase: { name: string; failure: { '#text'?: string; message: string } } } } })
          .testsuites.testsuite.testcase;
        const kept = (s: string) => s.replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '');
        expect(tc.name).toBe(kept(name));
        expect(tc.failure.message).toBe(kept(name));
        expect(tc.failure['#text'] ?? '').toBe(kept(body));
      }),
      { numRuns: 1000 },
    );
  });

  it('escapes markup and quotes', () => {
    expect(xml(`a<b>&"c"\n`)).toBe('a&lt;b&gt;&amp;&quot;c&quot;&#10;');
    expect(xml(`a<b>&"c"\n`, false)).toBe('a&lt;b&gt;&amp;"c"\n');
  });
});

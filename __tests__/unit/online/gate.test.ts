// The release gate on hand-made runs: each line judged against expected-file and the baseline,
// every metric and aggregation measured, the default thresholds, and what the log, the summary and
// the error say.
import { describe, expect, it } from 'vitest';
import { aggregate, judge, problems } from '../../../src/online/gate.js';
import { gateThresholds, type GateSettings } from '../../../src/online/gate-inputs.js';
import { formatMeasured, gateFailure, gateSection, gateShown, LISTED, latencySection, logGate } from '../../../src/online/gate-report.js';
import { parsePath } from '../../../src/online/json-path.js';
import { DEFAULT_TOLERANCE } from '../../../src/online/matching.js';
import type { ScoredRequest } from '../../../src/online/online.js';
import { parseThreshold } from '../../../src/online/thresholds.js';

const answer = (body: unknown, latencyMs = 10, status = 200): ScoredRequest => ({ status, latencyMs, body: JSON.stringify(body) });
const rules = { tolerance: DEFAULT_TOLERANCE, ignore: [parsePath('$..request_id')] };
const settings = (o: Partial<GateSettings> & { given?: string[]; maxLatencyMs?: number }): GateSettings => ({
  rules,
  ...o,
  thresholds: gateThresholds((o.given ?? []).map(parseThreshold), { expected: Boolean(o.expected), compare: Boolean(o.compare), maxLatencyMs: o.maxLatencyMs }),
});
const compare = { candidate: 'green', baseline: 'blue' };

describe('the default thresholds', () => {
  it('are every answer 2xx, plus no mismatch with expected-file, plus full agreement with compare-to', () => {
    const list = (o: Parameters<typeof gateThresholds>[1]) =>
      gateThresholds([], o).map((t) => `${t.metric} ${JSON.stringify(t.aggregation)}${t.operator}${t.value} ${t.source}`);
    expect(list({ expected: false, compare: false })).toEqual(['failures "count"==0 default']);
    expect(list({ expected: true, compare: true, maxLatencyMs: 500 })).toEqual([
      'failures "count"==0 default',
      'mismatches "count"==0 default',
      'agreement "rate"==1 default',
      'latency {"p":95}<=500 max-latency-ms',
    ]);
    // Given thresholds replace the defaults; max-latency-ms still adds its own.
    expect(gateThresholds([parseThreshold('agreement: rate>=0.9')], { expected: true, compare: true, maxLatencyMs: 500 }).map((t) => t.source)).toEqual([
      'thresholds',
      'max-latency-ms',
    ]);
  });
});

describe('judging a run', () => {
  const candidate = [
    answer({ predictions: [1], request_id: 'a' }, 10),
    answer({ predictions: [0], request_id: 'b' }, 20),
    answer({ message: 'boom' }, 30, 500),
    { status: 0, latencyMs: 40, body: '', errorCode: 'ECONNRESET' },
  ];
  const baseline = [answer({ predictions: [1], request_id: 'x' }, 5), answer({ predictions: [1] }, 10), answer({ predictions: [1] }, 15), answer({}, 20, 503)];
  const expected = [{ predictions: [1] }, { predictions: [1] }, undefined, { predictions: [0] }];
  const lines = [1, 2, 4, 7];

  it('names each line by its line in request-file, with its mismatches and disagreements', () => {
    const j = judge({ candidate, baseline, lines }, settings({ expected, compare }));
    expect(j.lines.map(problems)).toEqual([
      [],
      [
        { kind: 'mismatch', text: 'line 2: $.predictions[0]: expected 1, got 0' },
        { kind: 'disagreement', text: 'line 2: $.predictions[0]: expected 1, got 0' },
      ],
      [
        { kind: 'status', text: 'line 4: status 500' },
        { kind: 'disagreement', text: "line 4: 'blue' gave an answer, 'green' status 500" },
      ],
      [
        { kind: 'status', text: 'line 7: no answer (ECONNRESET)' },
        { kind: 'mismatch', text: 'line 7: expected an answer, got no answer (ECONNRESET)' },
        { kind: 'disagreement', text: "line 7: 'blue' gave status 503, 'green' no answer (ECONNRESET)" },
      ],
    ]);
    expect({ failures: j.failures, mismatched: j.mismatched, expecting: j.expecting, agreeing: j.agreeing }).toEqual({
      failures: 2,
      mismatched: 2,
      expecting: 3,
      agreeing: 1,
    });
    expect(j.passed).toBe(false);
    expect(j.results.map((r) => [r.threshold.metric, r.measured, r.passed])).toEqual([
      ['failures', 2, false],
      ['mismatches', 2, false],
      ['agreement', 0.25, false],
    ]);
  });

  it('measures every metric and aggregation', () => {
    const given = [
      'latency: avg==25',
      'latency: min==10',
      'latency: med==20',
      'latency: max==40',
      'latency: p(75)==30',
      'latency-ratio: p(100)==2',
      'latency-ratio: avg==2',
      'failures: count==2',
      'failures: rate==0.5',
      'mismatches: count==2',
      'mismatches: rate>0.66',
      'agreement: count==1',
      'agreement: rate==0.25',
    ];
    const j = judge({ candidate, baseline, lines }, settings({ expected, compare, given }));
    expect(j.results.filter((r) => !r.passed).map((r) => [r.threshold.metric, r.measured])).toEqual([]);
    expect(j.passed).toBe(true);
  });

  it('measures mismatches over the lines that expect an answer, and 0 when none does', () => {
    const j = judge({ candidate: [answer(1)], lines: [1] }, settings({ expected: [undefined], given: ['mismatches: rate==0', 'mismatches: count==0'] }));
    expect(j.passed).toBe(true);
    expect(j.expecting).toBe(0);
  });

  it('a ratio against a baseline that took no time at all', () => {
    const zero = (ms: number) => [answer(1, ms)];
    const ratio = (c: number, b: number) =>
      judge({ candidate: zero(c), baseline: zero(b), lines: [1] }, settings({ compare, given: ['latency-ratio: max<2'] })).results[0].measured;
    expect(ratio(0, 0)).toBe(1);
    expect(ratio(5, 0)).toBe(Infinity);
    expect(ratio(6, 3)).toBe(2);
  });

  it('aggregates nothing as NaN, which meets no threshold', () => {
    expect(aggregate([], 'avg')).toBeNaN();
    expect(aggregate([], { p: 50 })).toBeNaN();
    expect(aggregate([3], 'rate')).toBeNaN();
  });
});

describe('what a judged run shows', () => {
  const many = Array.from({ length: 30 }, (_, i) => answer({ predictions: [i % 3 === 0 ? 1 : 0] }, 10 + i));
  const expected = many.map(() => ({ predictions: [0] }));
  const lines = many.map((_, i) => i + 1);

  it('the thresholds with their values, and the first lines that mismatch', () => {
    const s = settings({ expected, given: ['mismatches: rate<=0.5', 'latency: p(95)<30', 'failures: rate<0.01'] });
    const j = judge({ candidate: many, lines }, s);
    const md = gateSection(j, s, 'reports/gate.xml');
    expect(md).toContain('### Release gate: failed');
    expect(md).toContain('| mismatches | `rate<=0.5` | 0.3333 | ✅ pass |');
    expect(md).toContain('| latency | `p(95)<30` | 38.0 ms | ❌ fail |');
    expect(md).toContain('| failures | `rate<0.01` | 0 | ✅ pass |');
    expect(md).toContain('**Mismatches with expected-file: 10 of 30 lines**');
    expect(md).toContain('line 1: $.predictions[0]: expected 0, got 1\nline 4: $.predictions[0]: expected 0, got 1');
    const f = gateFailure(j, s, 'reports/gate.xml')!;
    expect(f.message).toBe("Fix the model or relax 'thresholds': 1 of 3 thresholds not met: latency: p(95)<30 (measured 38.0 ms).");
    expect(f.details[0]).toBe('Mismatches with expected-file: 10 of 30 lines:');
    expect(f.details).toHaveLength(11);
  });

  it('at most LISTED lines in the log, the summary and the error, and where the rest are', () => {
    const wrong = Array.from({ length: 25 }, () => answer({ predictions: [1] }));
    const s = settings({ expected: wrong.map(() => ({ predictions: [0] })) });
    const j = judge({ candidate: wrong, lines: wrong.map((_, i) => i + 1) }, s);
    const log: string[] = [];
    logGate(j, s, (l) => log.push(l));
    expect(log).toHaveLength(LISTED + 2);
    expect(log[0]).toBe('Mismatches with expected-file: 25 of 25 lines.');
    expect(log.at(-1)).toBe('  … and 5 more (set junit-file to keep them all)');
    expect(gateSection(j, s, 'out/junit.xml')).toContain('… and 5 more (all are in out/junit.xml)');
    const f = gateFailure(j, s)!;
    expect(f.message).toBe('Fix the model or expected-file: 25 of 25 answers differ from expected-file (line 1: $.predictions[0]: expected 0, got 1).');
    expect(f.details).toHaveLength(LISTED + 2);
  });

  it('the default disagreement and max-latency-ms failures keep their own first lines', () => {
    const c = [answer({ p: 1 }, 700), answer({ p: 2 }, 700)];
    const b = [answer({ p: 1 }, 10), answer({ p: 3 }, 10)];
    const s = settings({ compare });
    expect(gateFailure(judge({ candidate: c, baseline: b, lines: [1, 2] }, s), s)!.message).toBe(
      "Keep the traffic on 'blue': 'green' answered 1 of 2 requests unlike it (line 2: $.p: expected 3, got 2).",
    );
    const slow = settings({ maxLatencyMs: 500 });
    expect(gateFailure(judge({ candidate: c, lines: [1, 2] }, slow), slow)!.message).toBe(
      'Make the model faster or raise max-latency-ms: the p95 latency, 700 ms, exceeds max-latency-ms 500.',
    );
    const both = settings({ compare, maxLatencyMs: 500 });
    expect(gateFailure(judge({ candidate: c, baseline: b, lines: [1, 2] }, both), both)!.message).toBe(
      'Fix the model or the gate: 2 of 3 thresholds not met: agreement: rate==1 (measured 0.5); latency: p(95)<=500 (measured 700 ms).',
    );
    expect(gateFailure(judge({ candidate: b, baseline: b, lines: [1, 2] }, both), both)).toBeUndefined();
  });

  it('shows the gate only when there is more to it than 2xx answers', () => {
    expect(gateShown(settings({}))).toBe(false);
    expect(gateShown(settings({ maxLatencyMs: 1 }))).toBe(true);
    expect(gateShown(settings({ given: ['failures: rate<0.1'] }))).toBe(true);
  });

  it('writes measured values with their units', () => {
    const r = (metric: string, measured: number) =>
      formatMeasured({ threshold: { ...parseThreshold(`${metric}`), source: 'thresholds' }, measured, passed: true });
    expect(r('latency: max<1', 1234.4)).toBe('1234 ms');
    expect(r('latency: max<1', 12.34)).toBe('12.3 ms');
    expect(r('latency-ratio: max<1', 1.0789)).toBe('1.08');
    expect(r('latency-ratio: max<1', Infinity)).toBe('∞');
    expect(r('agreement: rate<1', 2 / 3)).toBe('0.6667');
    expect(r('failures: count<1', 3)).toBe('3');
    expect(r('failures: count<1', NaN)).toBe('nothing measured');
  });

  it('the latency of each deployment side by side, with the histogram', () => {
    const md = latencySection([
      { label: 'green', results: many, concurrency: 4 },
      { label: 'blue (baseline)', results: many.map((r) => ({ ...r, latencyMs: r.latencyMs / 2 })), concurrency: 4 },
    ]);
    expect(md).toContain('| green | 30 | 0 | 4 | 24 ms | 38 ms | 39 ms | 39 ms |');
    expect(md).toContain('| blue (baseline) | 30 | 0 | 4 | 12 ms | 19 ms | 20 ms | 20 ms |');
    expect(md).toContain('| Latency (ms) | green | blue (baseline) |');
    expect(latencySection([{ label: 'blue', results: [answer(1, 3)], concurrency: 1 }])).not.toContain('Latency (ms)');
  });
});

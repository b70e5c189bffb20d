// Thresholds in k6's grammar: every metric, aggregation and operator read, written back and held
// against a value; malformed lines named with what is allowed; parse and print round trips.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatThreshold, holds, METRICS, OPERATORS, parseThreshold, type Aggregation, type Threshold } from '../../../src/online/thresholds.js';

describe('thresholds', () => {
  it('reads the lines of the README, spaces or not', () => {
    expect(parseThreshold('latency: p(95)<800')).toEqual({ metric: 'latency', aggregation: { p: 95 }, operator: '<', value: 800 });
    expect(parseThreshold('  latency : p( 99.9 ) <= 1500 ')).toEqual({ metric: 'latency', aggregation: { p: 99.9 }, operator: '<=', value: 1500 });
    expect(parseThreshold('latency: max<3000')).toEqual({ metric: 'latency', aggregation: 'max', operator: '<', value: 3000 });
    expect(parseThreshold('failures: rate<0.01')).toEqual({ metric: 'failures', aggregation: 'rate', operator: '<', value: 0.01 });
    expect(parseThreshold('mismatches: count==0')).toEqual({ metric: 'mismatches', aggregation: 'count', operator: '==', value: 0 });
    expect(parseThreshold('mismatches: rate<=0.02')).toEqual({ metric: 'mismatches', aggregation: 'rate', operator: '<=', value: 0.02 });
    expect(parseThreshold('agreement: rate>=0.98')).toEqual({ metric: 'agreement', aggregation: 'rate', operator: '>=', value: 0.98 });
    expect(parseThreshold('latency-ratio: p(95)<=1.2')).toEqual({ metric: 'latency-ratio', aggregation: { p: 95 }, operator: '<=', value: 1.2 });
    expect(parseThreshold('latency: avg>.5')).toEqual({ metric: 'latency', aggregation: 'avg', operator: '>', value: 0.5 });
    expect(parseThreshold('latency: med<1e3')).toEqual({ metric: 'latency', aggregation: 'med', operator: '<', value: 1000 });
    expect(parseThreshold('latency: min>=0')).toEqual({ metric: 'latency', aggregation: 'min', operator: '>=', value: 0 });
  });

  it.each([
    ['latency p(95)<800', "write 'metric: condition' such as 'latency: p(95)<800' (operators <= >= == < >)"],
    ['latency: p(95)=800', "write 'metric: condition'"],
    ['latency: p(95)!=800', "write 'metric: condition'"],
    ['latency: p(95)<', "write 'metric: condition'"],
    ['latency: p(95)<fast', "write 'metric: condition'"],
    ['duration: p(95)<800', "'duration' is not a metric; use one of latency, latency-ratio, failures, mismatches, agreement"],
    ['latency: rate<0.1', "'latency' takes avg, min, med, max, p(N), not 'rate'"],
    ['failures: p(95)<1', "'failures' takes rate, count, not 'p(95)'"],
    ['agreement: max>1', "'agreement' takes rate, count, not 'max'"],
    ['latency: p(0)<1', 'p(0) is not a percentile above 0 and up to 100'],
    ['latency: p(100.5)<1', 'p(100.5) is not a percentile'],
    ['latency: P(95)<1', "write 'metric: condition'"],
    ['latency: Max<1', "'latency' takes avg, min, med, max, p(N), not 'Max'"],
  ])('refuses %s', (line, message) => {
    expect(() => parseThreshold(line)).toThrow(message);
  });

  it('holds a value to each operator', () => {
    const t = (operator: Threshold['operator']): Threshold => ({ metric: 'latency', aggregation: 'max', operator, value: 10 });
    expect([9, 10, 11].map((v) => holds(t('<'), v))).toEqual([true, false, false]);
    expect([9, 10, 11].map((v) => holds(t('<='), v))).toEqual([true, true, false]);
    expect([9, 10, 11].map((v) => holds(t('>'), v))).toEqual([false, false, true]);
    expect([9, 10, 11].map((v) => holds(t('>='), v))).toEqual([false, true, true]);
    expect([9, 10, 11].map((v) => holds(t('=='), v))).toEqual([false, true, false]);
    // Nothing measured meets no condition.
    expect(OPERATORS.map((o) => holds(t(o), NaN))).toEqual([false, false, false, false, false]);
  });
});

const number = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((v) => !Object.is(v, -0));
const threshold: fc.Arbitrary<Threshold> = fc.constantFrom(...(Object.keys(METRICS) as (keyof typeof METRICS)[])).chain((metric) =>
  fc.record({
    metric: fc.constant(metric),
    aggregation: (METRICS[metric] === 'trend'
      ? fc.oneof(
          fc.constantFrom('avg', 'min', 'med', 'max'),
          fc.double({ min: 0, max: 100, noNaN: true, minExcluded: true }).map((p) => ({ p })),
        )
      : fc.constantFrom('rate', 'count')) as fc.Arbitrary<Aggregation>,
    operator: fc.constantFrom(...OPERATORS),
    value: number,
  }),
);

describe('thresholds (fast-check)', () => {
  it('a threshold written out reads back as itself', () => {
    fc.assert(
      fc.property(threshold, (t) => {
        expect(parseThreshold(formatThreshold(t))).toEqual(t);
      }),
      { numRuns: 5000 },
    );
  });

  it('a line read and written back is the same line without its spaces', () => {
    const spaced = fc.tuple(threshold, fc.array(fc.constantFrom('', ' ', '  '), { minLength: 5, maxLength: 5 })).map(([t, s]) => {
      const agg = typeof t.aggregation === 'string' ? t.aggregation : `p(${s[4]}${t.aggregation.p}${s[4]})`;
      return { canonical: formatThreshold(t), line: `${s[0]}${t.metric}${s[1]}:${s[2]}${agg}${s[3]}${t.operator}${s[3]}${t.value}${s[0]}` };
    });
    fc.assert(
      fc.property(spaced, ({ canonical, line }) => {
        expect(formatThreshold(parseThreshold(line))).toBe(canonical);
      }),
      { numRuns: 3000 },
    );
  });

  it('exactly one of < and >= holds, and of > and <=, for any value', () => {
    fc.assert(
      fc.property(threshold, number, (t, v) => {
        expect(holds({ ...t, operator: '<' }, v)).toBe(!holds({ ...t, operator: '>=' }, v));
        expect(holds({ ...t, operator: '>' }, v)).toBe(!holds({ ...t, operator: '<=' }, v));
        expect(holds({ ...t, operator: '==' }, v)).toBe(holds({ ...t, operator: '<=' }, v) && holds({ ...t, operator: '>=' }, v));
      }),
      { numRuns: 2000 },
    );
  });
});

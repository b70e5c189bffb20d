// Nearest-rank percentiles, for random latency lists and p with up to three decimals (p(99.9)),
// against an oracle that shares no arithmetic with the code: sort, then count in integers.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentiles } from '../../../src/online/online.js';

const latencies = fc.array(fc.integer({ min: 0, max: 120_000 }), { minLength: 1, maxLength: 300 });
const p = fc.integer({ min: 1, max: 100 });
/** p = units / 10^decimals, so the oracle can compare counts in integers. */
const decimalP = fc
  .integer({ min: 0, max: 3 })
  .chain((decimals) => fc.record({ decimals: fc.constant(decimals), units: fc.integer({ min: 1, max: 100 * 10 ** decimals }) }));
const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
/**
 * A p and values to rank: half the time as many values as make p % of them a whole number, the
 * ties where a rank computed in floating point lands one off (p = 7 of 100 values gave the 8th).
 */
const pAndValues = decimalP.chain(({ units, decimals }) => {
  const whole = (100 * 10 ** decimals) / gcd(units, 100 * 10 ** decimals); // the smallest n with p % of n whole
  const any = fc.integer({ min: 1, max: 300 });
  const n =
    whole > 300
      ? any
      : fc.oneof(
          any,
          fc.integer({ min: 1, max: Math.floor(300 / whole) }).map((m) => m * whole),
        );
  return n.chain((length) =>
    fc.record({
      units: fc.constant(units),
      decimals: fc.constant(decimals),
      values: fc.array(fc.integer({ min: 0, max: 120_000 }), { minLength: length, maxLength: length }),
    }),
  );
});

/** The smallest value with at least units / 10^decimals % of the values at or below it, by counting. */
function oracle(values: number[], units: number, decimals: number): number | undefined {
  const atOrBelow = (v: number) => values.filter((x) => x <= v).length;
  return [...values].sort((a, b) => a - b).find((v) => atOrBelow(v) * 100 * 10 ** decimals >= units * values.length);
}

describe('percentiles (fast-check)', () => {
  it('is the smallest value with at least p % of the values at or below it, p with up to three decimals', () => {
    fc.assert(
      fc.property(pAndValues, ({ values, units, decimals }) => {
        const [v] = percentiles(values, units / 10 ** decimals);
        expect(v).toBe(oracle(values, units, decimals));
      }),
      { numRuns: 3000 },
    );
  });

  it('is ordered like p, ends at the maximum, and leaves the input as it was', () => {
    fc.assert(
      fc.property(latencies, p, p, (values, a, b) => {
        const copy = [...values];
        const [pa, pb, max] = percentiles(values, Math.min(a, b), Math.max(a, b), 100);
        expect(pa).toBeLessThanOrEqual(pb);
        expect(max).toBe(Math.max(...values));
        expect(values).toEqual(copy);
      }),
      { numRuns: 3000 },
    );
  });

  it('does not depend on the order of the values', () => {
    fc.assert(
      fc.property(
        latencies.chain((v) => fc.tuple(fc.constant(v), fc.shuffledSubarray(v, { minLength: v.length }))),
        p,
        ([values, shuffled], q) => {
          expect(percentiles(shuffled, q)).toEqual(percentiles(values, q));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

// Nearest-rank percentiles, for random latency lists: each is one of the values, they are ordered
// like their p, and at least p % of the values are at or below the p-th percentile.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentiles } from '../../../src/online/online.js';

const latencies = fc.array(fc.integer({ min: 0, max: 120_000 }), { minLength: 1, maxLength: 300 });
const p = fc.integer({ min: 1, max: 100 });

describe('percentiles (fast-check)', () => {
  it('is the smallest value with at least p % of the values at or below it', () => {
    fc.assert(
      fc.property(latencies, p, (values, q) => {
        const [v] = percentiles(values, q);
        expect(values).toContain(v);
        expect(values.filter((x) => x <= v).length).toBeGreaterThanOrEqual((q / 100) * values.length);
        expect(values.filter((x) => x < v).length).toBeLessThan((q / 100) * values.length);
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

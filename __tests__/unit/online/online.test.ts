import { describe, expect, it } from 'vitest';
import { percentiles, responseFileContent } from '../../../src/online/online.js';

describe('percentile (nearest rank)', () => {
  it('handles the usual cases', () => {
    expect(percentiles([], 50)).toEqual([0]);
    expect(percentiles([5], 95)).toEqual([5]);
    expect(percentiles([1, 2, 3, 4], 50)).toEqual([2]);
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentiles(hundred, 50, 95)).toEqual([50, 95]);
  });

  it('ranks 1..n exactly for every whole p up to 100 and n up to 300', () => {
    const ps = Array.from({ length: 100 }, (_, i) => i + 1);
    for (let n = 1; n <= 300; n++) {
      const ranks = Array.from({ length: n }, (_, i) => i + 1);
      // The p-th percentile of 1..n is its rank: the smallest k with k / n >= p / 100.
      const expected = ps.map((p) => ranks.find((k) => k * 100 >= p * n));
      expect(percentiles(ranks, ...ps), `n = ${n}`).toEqual(expected);
    }
  });

  it('reads a fractional p as the decimal written, not its binary neighbour', () => {
    const thousand = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(percentiles(thousand, 99.9, 0.1, 12.5)).toEqual([999, 1, 125]);
    expect(percentiles([1, 2, 3], 1e-7, 0)).toEqual([1, 1]);
  });

  it('counts a p outside 0-100 as its bound', () => {
    expect(percentiles([3, 1, 2], -5, 150, 1e21, Infinity, -Infinity)).toEqual([1, 3, 3, 3, 1]);
  });
});

describe('response file', () => {
  const r = (body: string) => ({ status: 200, latencyMs: 1, body });
  it('keeps a single body as is', () => {
    expect(responseFileContent([r('{"a": 1}')], false)).toBe('{"a": 1}');
  });
  it('writes one compact JSON line per request, in order', () => {
    expect(responseFileContent([r('{"a": [1,\n 2]}'), r('plain text'), r('')], true)).toBe('{"a":[1,2]}\n"plain text"\n""\n');
  });
});

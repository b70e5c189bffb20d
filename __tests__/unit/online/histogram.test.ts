// The latency histogram of the job summary: buckets of a round width that hold every value once,
// bars as long as their counts, and the markdown table it is shown in.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bar, buckets, histogramTable } from '../../../src/online/histogram.js';

const latencies = fc.array(fc.double({ min: 0, max: 200_000, noNaN: true }), { minLength: 1, maxLength: 200 });

describe('latency histogram (fast-check)', () => {
  it('puts every value of every series in the one bucket that spans it', () => {
    fc.assert(
      fc.property(fc.array(latencies, { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 12 }), (series, most) => {
        const bs = buckets(series, most);
        expect(bs.length).toBeLessThanOrEqual(most + 1);
        const width = bs[0].to - bs[0].from;
        expect([1, 2, 5].some((m) => Number.isInteger(Math.log10(width / m)))).toBe(true);
        bs.forEach((b, i) => {
          expect(b.to - b.from).toBe(width);
          if (i > 0) expect(b.from).toBe(bs[i - 1].to);
        });
        series.forEach((values, s) => {
          expect(bs.reduce((n, b) => n + b.counts[s], 0)).toBe(values.length);
          for (const v of values) expect(v >= bs[0].from && v <= bs.at(-1)!.to).toBe(true);
        });
      }),
      { numRuns: 2000 },
    );
  });

  it('draws longer bars for larger counts, any count above 0 visible, the largest full width', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 1000 }), (largest, a, b) => {
        const [x, y] = [Math.min(a, b, largest), Math.min(Math.max(a, b), largest)];
        const length = (s: string) => [...s].length;
        const eighths = (s: string) => [...s].reduce((n, c) => n + (c === '█' ? 8 : '▏▎▍▌▋▊▉'.indexOf(c) + 1), 0);
        expect(eighths(bar(x, largest))).toBeLessThanOrEqual(eighths(bar(y, largest)));
        expect(bar(x, largest) === '').toBe(x === 0);
        expect(bar(largest, largest)).toBe('█'.repeat(20));
        expect(length(bar(y, largest))).toBeLessThanOrEqual(20);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('latency histogram', () => {
  it('shows the series side by side in one table', () => {
    const table = histogramTable([
      { label: 'green', values: [12, 14, 15, 27] },
      { label: 'blue', values: [11, 31] },
    ]);
    expect(table.split('\n')).toEqual([
      '| Latency (ms) | green | blue |',
      '| --- | --- | --- |',
      `| 10–15 | ${'█'.repeat(20)} 2 | ${'█'.repeat(10)} 1 |`,
      `| 15–20 | ${'█'.repeat(10)} 1 | 0 |`,
      '| 20–25 | 0 | 0 |',
      `| 25–30 | ${'█'.repeat(10)} 1 | 0 |`,
      `| 30–35 | 0 | ${'█'.repeat(10)} 1 |`,
    ]);
  });

  it('one value, or none', () => {
    expect(buckets([[7.4]])).toEqual([{ from: 7, to: 8, counts: [1] }]);
    expect(buckets([[]])).toEqual([]);
  });
});
